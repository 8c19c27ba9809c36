"""Numbers as YAML 1.2 reads them, and as CSV and JSON Lines agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.yamlsafe import load_yaml
from tests.conftest import Cli


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("010", 10),
        ("08", 8),
        ("-007", -7),
        ("0o10", 8),
        ("0x1F", 31),
        ("0b1", "0b1"),
        ("1:30", "1:30"),
        ("1_000", "1_000"),
    ],
)
def test_yaml_reads_integers_as_yaml_1_2_does(tmp_path: Path, written: str, value: object) -> None:
    path = tmp_path / "n.yaml"
    path.write_text(f"n: {written}\n")
    assert load_yaml(path).data == {"n": value}


SCENARIO = """\
scenario: counts
title: counts
ruleset: {rules}
incidents:
  - id: strike
    time: 2016-09-17T16:00:00+03:00
    actor: coalition
    act: airstrike
    target: Syrian army
    casualties: {{killed: {killed}}}
"""


RULES = """\
id: counts
title: counts
agreement: {name: t}
window: {from: 2016-09-12T19:00:00+03:00}
parties:
  coalition: {name: coalition, role: covered}
  army: {name: Syrian army, role: covered, aliases: [Syrian army]}
acts: {airstrike: {hostile: true}}
rules:
  - {id: ten-or-more, clause: c, priority: 1, when: {killed: {gte: 010}}, verdict: violation, explanation: e}
  - {id: fewer, clause: c, priority: 2, when: always, verdict: permitted, explanation: e}
"""


@pytest.mark.parametrize(("killed", "rule"), [("9", "fewer"), ("010", "ten-or-more"), ("10", "ten-or-more")])
def test_a_leading_zero_is_decimal_in_rules_scenarios_and_tables_alike(
    cli: Cli, tmp_path: Path, killed: str, rule: str
) -> None:
    (tmp_path / "rules.yaml").write_text(RULES)
    (tmp_path / "s.yaml").write_text(SCENARIO.format(rules="rules.yaml", killed=killed))
    (tmp_path / "t.csv").write_text(
        f"id,time,actor,act,target,killed\nstrike,2016-09-17T16:00:00+03:00,coalition,airstrike,Syrian army,{killed}\n"
    )
    for argv in (("s.yaml",), ("t.csv", "--rules", str(tmp_path / "rules.yaml"))):
        code, out, err = cli("run", str(tmp_path / argv[0]), *argv[1:], "-f", "json")
        assert code == 0, err
        assert f'"rule":"{rule}"' in out


def test_digit_separators_are_refused_with_what_yaml_1_2_reads(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES)
    (tmp_path / "s.yaml").write_text(SCENARIO.format(rules="rules.yaml", killed="1_000"))
    code, out, err = cli("run", str(tmp_path / "s.yaml"))
    assert code == 2 and out == ""
    assert err.strip().endswith(
        "incidents[0].casualties.killed: expected a whole number, got text `1_000`"
        " (YAML 1.2 has no digit separators: write 1000)"
    )


def test_quoted_numbers_are_told_to_be_unquoted_and_other_text_is_not(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES)
    for killed, hint in (('"12"', " (write it without quotes)"), ("twelve", "")):
        (tmp_path / "s.yaml").write_text(SCENARIO.format(rules="rules.yaml", killed=killed))
        code, _, err = cli("run", str(tmp_path / "s.yaml"))
        assert code == 2
        assert err.strip().endswith(f"got text `{killed.strip(chr(34))}`{hint}")
