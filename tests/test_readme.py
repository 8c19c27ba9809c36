"""README's walk-through "A new ruleset from scratch", followed as a reader would: its files, commands and output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, Cli

SECTION = "## A new ruleset from scratch"


def walkthrough() -> tuple[list[str], list[tuple[str, str]]]:
    """The section's YAML blocks, in order, and each shell line (`$ ceasefire …`) with the output shown under it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    section = text[start : text.index("\n## ", start + len(SECTION))]
    yaml_blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    sessions: list[tuple[str, str]] = []
    for block in re.findall(r"```\n(\$ .*?)```", section, re.S):
        for command, shown in re.findall(r"^\$ (.*)\n((?:(?!\$ ).*\n)*)", block, re.M):
            sessions.append((command, shown))
    return yaml_blocks, sessions


def shown_for(sessions: list[tuple[str, str]], prefix: str, n: int = 0) -> tuple[list[str], str]:
    """The `n`th command starting with `prefix`, as arguments after `ceasefire`, and its output."""
    found = [(c, s) for c, s in sessions if c.startswith(prefix)]
    command, shown = found[n]
    return command.split()[1:], shown


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[tuple[str, str]]]:
    """A new folder holding the walk-through's ruleset and scenario where it says to write them; the working folder."""
    blocks, sessions = walkthrough()
    (tmp_path / "rules").mkdir()
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "rules" / "idlib-2020.yaml").write_text(blocks[0], encoding="utf-8")
    (tmp_path / "scenarios" / "idlib-march.yaml").write_text(blocks[1], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return blocks, sessions


def test_the_walkthrough_shows_what_check_and_test_print_on_the_first_draft(
    project: tuple[list[str], list[tuple[str, str]]], cli: Cli
) -> None:
    _, sessions = project
    argv, shown = shown_for(sessions, "ceasefire check ")
    code, out, err = cli(*argv)
    assert code == 0
    assert err + out == shown
    argv, shown = shown_for(sessions, "ceasefire test ")
    code, out, err = cli(*argv)
    assert code == 1
    assert out == shown


def test_the_walkthrough_fix_makes_check_strict_clean_and_every_expectation_pass(
    project: tuple[list[str], list[tuple[str, str]]], cli: Cli
) -> None:
    blocks, sessions = project
    rules = Path("rules/idlib-2020.yaml")
    draft = rules.read_text(encoding="utf-8")
    bound = "when: {actor.role: covered, act.hostile: true, in_window: true, in_scope: true}"
    assert bound in " ".join(Path(ROOT / "README.md").read_text(encoding="utf-8").split())  # as the text says
    fixed = draft.replace("when: {act.hostile: true, in_window: true, in_scope: true}", bound)
    assert fixed != draft
    rules.write_text(fixed + blocks[2], encoding="utf-8")
    argv, shown = shown_for(sessions, "ceasefire check --strict ")
    code, out, err = cli(*argv)
    assert (code, err + out) == (0, shown)
    argv, shown = shown_for(sessions, "ceasefire test ", 1)
    code, out, err = cli(*argv)
    assert (code, out) == (0, shown)
