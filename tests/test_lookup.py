"""Finding a ruleset: one lookup from every working folder, by id or file name, beside the file naming it, in
`rules/` of its folder and each parent up to the project root, then the shipped rulesets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.incidents.load import load_scenario
from engine.ruleset.load import find_ruleset, load_ruleset, project_root, search_levels, shipped_rules
from tests.conftest import ROOT

DEZ = ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml"

# Strict liability: the coalition's strike that hit the army while aimed at ISIS is a violation under it, and
# permitted under the shipped September ruleset: which of the two judged it says which was found.
LOCAL = "extends: syria-2016-09\nid: local-2016-09\npolicy: {mistaken_target: violation}\n"
HELD = "extends: local-2016-09\nid: local-2016-09-held\nwindow: {until: 2016-10-12T19:00:00+03:00}\n"
STRIKE = """\
scenario: {name}
ruleset: {ruleset}
incidents:
  - id: strike
    time: 2016-09-17T16:00:00+03:00
    actor: US-led coalition
    act: airstrike
    target: Syrian Arab Army
    intended_target: ISIS
    location: {{region: Deir ez-Zor}}
    expect: violation
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of its own: rulesets in rules/ (a variant in rules/variants/), scenarios two folders down."""
    proj = tmp_path / "proj"
    write(proj / "pyproject.toml", "")
    write(proj / "rules" / "local-2016-09.yaml", LOCAL)
    write(proj / "rules" / "variants" / "held.yaml", HELD)
    write(proj / "scenarios" / "sub" / "strike.yaml", STRIKE.format(name="strike", ruleset="local-2016-09"))
    write(proj / "scenarios" / "sub" / "held.yaml", STRIKE.format(name="held", ruleset="local-2016-09-held"))
    (tmp_path / "elsewhere").mkdir()
    return proj


def folders(project: Path) -> dict[str, Path]:
    return {"root": project, "subfolder": project / "scenarios" / "sub", "elsewhere": project.parent / "elsewhere"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_command_works_the_same_from_the_root_a_subfolder_and_elsewhere(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    strike = project / "scenarios" / "sub" / "strike.yaml"
    held = project / "rules" / "variants" / "held.yaml"
    commands = [
        ["test", str(project / "scenarios")],
        ["check", "--strict", str(project)],
        ["run", str(strike), "-f", "json"],
        ["explain", str(strike), "strike"],
        ["diff", "syria-2016-09", str(held)],
        ["run", str(DEZ), "--rules", str(held), "-f", "json"],
    ]
    seen: dict[str, list[tuple[int, str, str]]] = {}
    for name, folder in folders(project).items():
        monkeypatch.chdir(folder)
        seen[name] = [run(capsys, *argv) for argv in commands]
    assert seen["root"] == seen["subfolder"] == seen["elsewhere"]
    results = seen["root"]
    assert results[0] == (0, "2 passed, 0 failed\n", "")  # each scenario judged under the project's ruleset
    assert results[1][0] == 0 and "no problems" in results[1][1]
    verdicts = json.loads(results[2][1])["verdicts"]
    assert [(v["incident"], v["verdict"], v["rule"]) for v in verdicts] == [
        ("strike", "violation", "mistaken-strike-violation")
    ]
    assert all(code == 0 for code, _, _ in results)


def test_ids_are_found_from_a_subfolder_through_the_parents_rules(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "scenarios" / "sub")
    code, out, err = run(capsys, "run", str(DEZ), "--rules", "local-2016-09-held", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["ruleset"] == "local-2016-09-held"
    code, out, err = run(capsys, "diff", "local-2016-09", "local-2016-09-held")
    assert code == 0, err


def test_rules_looks_in_the_working_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "mine.yaml", LOCAL.replace("id: local-2016-09", "id: mine"))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "run", str(DEZ), "--rules", "mine", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["ruleset"] == "mine"


def test_the_shipped_variants_are_found_by_id_from_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_ruleset("syria-2016-09-truce-held").id == "syria-2016-09-truce-held"
    assert load_ruleset("truce-held").id == "syria-2016-09-truce-held"  # by file name too
    shipped = shipped_rules()
    assert shipped is not None
    assert find_ruleset("syria-2016-09-strict-liability") == shipped.resolve() / "variants" / "strict-liability.yaml"
    code, _, err = run(capsys, "diff", "syria-2016-09", "syria-2016-09-strict-liability", "--exit-code")
    assert code == 1, err  # they differ


def test_a_ruleset_is_found_by_its_id_whatever_its_file_is_called(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = write(project / "rules" / "named-otherwise.yaml", LOCAL.replace("id: local-2016-09", "id: real-id"))
    monkeypatch.chdir(project)
    assert find_ruleset("real-id") == Path("rules/named-otherwise.yaml")  # named from the working folder
    assert find_ruleset("named-otherwise").resolve() == other  # the file name still finds it
    code, _, err = run(capsys, "check", str(other))
    assert code == 0
    assert "id: id `real-id` differs from the file name `named-otherwise.yaml`; name the file `real-id.yaml`" in err


def test_the_lookup_stops_at_the_project_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a ruleset above the project is none of the project's: not found, and not where it looked
    write(tmp_path / "rules" / "outside.yaml", LOCAL.replace("id: local-2016-09", "id: outside"))
    proj = tmp_path / "proj"
    write(proj / "ceasefire.toml", "")
    scenario = write(proj / "scenarios" / "s.yaml", STRIKE.format(name="s", ruleset="outside"))
    write(proj / "rules" / "inside.yaml", LOCAL.replace("id: local-2016-09", "id: inside"))
    assert project_root(scenario.parent) == proj
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "test", str(scenario))
    assert code == 2
    assert err == (
        f"error: {scenario}:2:1: ruleset: no ruleset `outside`; did you mean `inside`?; "
        f"looked in proj/scenarios, proj/rules, {shipped_rules()}\n"
    )
    assert [level.folder for level in search_levels(scenario.parent)][:2] == [proj / "scenarios", proj / "rules"]


def test_two_rulesets_with_one_id_at_one_level_are_one_error_naming_both(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "rules" / "a.yaml", LOCAL.replace("id: local-2016-09", "id: twin"))
    write(project / "rules" / "variants" / "b.yaml", LOCAL.replace("id: local-2016-09", "id: twin"))
    monkeypatch.chdir(project)
    code, _, err = run(capsys, "run", str(DEZ), "--rules", "twin")
    assert code == 2
    assert err == (
        "error: twin: ruleset `twin` is ambiguous: both rules/a.yaml and rules/variants/b.yaml answer to it; "
        "rename one\n"
    )
    # at different levels the nearer wins: the project's own `syria-2016-09` before the shipped one
    write(project / "rules" / "syria-2016-09.yaml", LOCAL.replace("id: local-2016-09", "id: syria-2016-09"))
    assert find_ruleset("syria-2016-09").resolve() == project.resolve() / "rules" / "syria-2016-09.yaml"


def test_a_broken_file_breaks_no_lookup_but_its_own(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project / "rules" / "broken.yaml", "id: broken\nrules: [\n")
    write(project / "rules" / "binary.yaml", "\x00\xff")
    monkeypatch.chdir(project / "scenarios")
    assert load_ruleset("local-2016-09").id == "local-2016-09"
    code, _, err = run(capsys, "run", str(DEZ), "--rules", "broken")
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"error: {project.resolve() / 'rules' / 'broken.yaml'}:3:")


def test_a_path_leading_out_of_the_project_is_read_from_any_folder(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a path is read from the file that names it, wherever it leads: once refused from the project's root, and
    # read from the folder above it
    write(project.parent / "shared" / "common.yaml", LOCAL.replace("id: local-2016-09", "id: common"))
    far = write(
        project / "scenarios" / "sub" / "far.yaml", STRIKE.format(name="far", ruleset="../../../shared/common.yaml")
    )
    for folder in (project, project.parent, project / "scenarios" / "sub"):
        monkeypatch.chdir(folder)
        assert run(capsys, "test", str(far)) == (0, "1 passed, 0 failed\n", "")
    assert run(capsys, "test", "far.yaml") == (0, "1 passed, 0 failed\n", "")


def test_did_you_mean_offers_only_rulesets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # a scenario is no ruleset: its file name is neither found by an id nor offered as one
    text = DEZ.read_text(encoding="utf-8").replace("ruleset: syria-2016-09", "ruleset: same")
    write(tmp_path / "same.yaml", text)
    write(tmp_path / "sane.yaml", text)
    assert main(["run", str(tmp_path / "same.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'same.yaml'}:4:1: ruleset: no ruleset `same`; looked in {tmp_path}" in err
    assert "did you mean" not in err and len(err.splitlines()) == 1


def test_a_scenario_without_a_title_is_titled_by_its_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "untitled.yaml", STRIKE.format(name="untitled", ruleset="syria-2016-09-strict-liability"))
    assert load_scenario(path).scenario.title == "untitled"
    assert run(capsys, "test", str(path)) == (0, "1 passed, 0 failed\n", "")


def test_the_shipped_tree_works_the_same_from_the_root_a_subfolder_and_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = [
        ["check", "--strict", str(ROOT / "rules"), str(ROOT / "scenarios")],
        ["run", str(DEZ), "--rules", "truce-held", "-f", "json"],
        ["explain", str(DEZ), "dez-airstrike", "--rules", "syria-2016-09-strict-liability"],
        ["diff", "syria-2016-09", "syria-2016-09-jfs-covered"],
        ["test", str(DEZ)],
    ]
    seen = []
    for folder in (ROOT, ROOT / "scenarios", tmp_path):
        monkeypatch.chdir(folder)
        seen.append([run(capsys, *argv) for argv in commands])
    assert seen[0] == seen[1] == seen[2]
    assert [code for code, _, _ in seen[0]] == [0, 0, 0, 0, 0]


def test_test_finds_the_projects_scenarios_from_a_subfolder(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "rules" / "variants")
    assert run(capsys, "test") == (0, "2 passed, 0 failed\n", "")


def test_from_an_unrelated_folder_in_a_process_of_its_own(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "engine", "test", str(DEZ)], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "2 passed, 0 failed\n", "")
    done = subprocess.run(
        [sys.executable, "-m", "engine", "diff", "syria-2016-09", "truce-held"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
