"""`ceasefire check`: every error of a file in one run, lint warnings, exit codes and output formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.analysis.check import Checked, check_file, check_paths, dead_rules, lint, summary, tied_rules
from engine.cli.main import main
from engine.errors import Problem
from engine.evaluation.pipeline import evaluate
from engine.incidents.model import Incident
from engine.ruleset.load import read_ruleset
from engine.yamlsafe import Key
from tests.conftest import ROOT, Cli

RULESET = """\
id: small
title: A small truce
agreement: {name: Test agreement}
window: {from: 2016-09-12T19:00:00+03:00, until: 2016-09-19T19:00:00+03:00}
parties:
  army: {name: Army, role: covered, side: government}
  rebels: {name: Rebels, role: covered, side: opposition}
  isis: {name: Islamic State, role: excluded, aliases: [ISIS]}
acts:
  shelling: {hostile: true}
  patrol: {hostile: false}
rules:
  - id: excluded-actor
    clause: c
    priority: 10
    when: {actor.role: excluded}
    verdict: not_covered
    explanation: e
  - id: non-hostile
    clause: c
    priority: 20
    when: {act.hostile: false}
    verdict: not_covered
    explanation: e
  - id: attack
    clause: c
    priority: 30
    when: {actor.role: covered, act: shelling, target.role: covered}
    verdict: violation
    explanation: e
  - id: time-unknown
    clause: c
    priority: 25
    when: {in_window: {present: false}}
    verdict: undetermined
    explanation: e
"""

SCENARIO = """\
scenario: small
title: A small scenario
ruleset: small.yaml
incidents:
  - id: one
    actor: Army
    act: shelling
    target: Rebels
    expect: violation
    time: 2016-09-13T10:00:00+03:00
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def with_rules(rules: str) -> str:
    """The small ruleset with its rules replaced."""
    return RULESET[: RULESET.index("rules:\n")] + "rules:\n" + rules


def rule(rid: str, priority: int, when: str, verdict: str = "violation") -> str:
    return f"  - {{id: {rid}, clause: c, priority: {priority}, when: {when}, verdict: {verdict}, explanation: e}}\n"


def messages(checked: Checked) -> list[str]:
    return [str(p) for p in checked.problems]


def test_every_shipped_ruleset_and_scenario_is_clean_even_under_strict(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    files = sorted({*ROOT.glob("rules/**/*.yaml"), *ROOT.glob("scenarios/**/*.yaml")})
    code, out, err = cli("check", "rules", "scenarios", "--strict")
    assert (code, err) == (0, "")
    assert out == f"{len(files)} files checked: no problems\n"


def test_a_small_ruleset_and_its_scenario_are_clean(tmp_path: Path) -> None:
    write(tmp_path, "small.yaml", RULESET)
    write(tmp_path, "scenario.yaml", SCENARIO)
    results = check_paths([tmp_path])
    assert [(Path(r.file).name, r.kind, r.problems) for r in results] == [
        ("scenario.yaml", "scenario", ()),
        ("small.yaml", "ruleset", ()),
    ]


def test_every_schema_error_of_a_file_is_reported_at_its_line(tmp_path: Path) -> None:
    text = (
        RULESET.replace("role: excluded", "role: exclude")
        .replace("{name: Army,", "{nmae: Army,")
        .replace("    verdict: violation\n", "")
    )
    path = write(tmp_path, "bad.yaml", text)
    assert messages(check_file(path)) == [  # `name` misspelt is said once, not also as missing
        f"{path}:6:10: parties.army.nmae: unknown key `nmae`; expected one of name, role, side, aliases, patterns; "
        "did you mean `name`?",
        f"{path}:8:31: parties.isis.role: unknown role `exclude`; expected one of covered, sponsor, excluded, "
        "not_party; "
        "did you mean `excluded`?",
        f"{path}:25:5: rules[2]: `verdict` is required",
    ]


def test_schema_errors_come_in_the_order_of_the_file_not_of_the_model(tmp_path: Path) -> None:
    """`window` comes before `rules` in a ruleset's model; written after them, its error is said after theirs."""
    text = (
        "extends: syria-2016-09\nid: ordered\nrules:\n  strike-on-excluded:\n    verdict: guilty\n"
        "  attack-on-covered-party:\n    priority: abc\nwindow:\n  from: nonsense\n"
    )
    path = write(tmp_path, "ordered.yaml", text)
    lines = [m.removeprefix(f"{path}:").split(":")[0] for m in messages(check_file(path))]
    assert lines == ["5", "7", "9"]


def test_every_meaning_error_of_a_file_is_reported_at_its_line(tmp_path: Path) -> None:
    text = (
        RULESET.replace("until: 2016-09-19T19:00:00+03:00", "until: 2016-09-01T00:00:00+03:00")
        .replace("aliases: [ISIS]", "aliases: [ISIS, Army]")
        .replace("when: {act.hostile: false}", "when: {act.hostile: {ne: false}}")
        .replace("act: shelling,", "act: shellin,")
        .replace("id: attack", "id: excluded-actor")
    )
    path = write(tmp_path, "bad.yaml", text)
    assert messages(check_file(path)) == [  # in the order of the file's lines, as a reader meets them
        f"{path}:4:43: window.until: window ends (2016-09-01T00:00:00+03:00) before it starts "
        "(2016-09-12T19:00:00+03:00)",
        f"{path}:8:63: parties.isis.aliases[1]: alias `Army` is also a spelling of `army`; a name must resolve "
        "to one party",
        f"{path}:22:26: rules[1].when.act.hostile.ne: unknown operator `ne`; expected one of eq, in, not, lt, "
        "lte, gt, gte, present; did you mean `not`?",
        f"{path}:25:5: rules[2].id: duplicate rule id `excluded-actor` (also rules[0])",
        f"{path}:28:33: rules[2].when.act: `act` cannot be `shellin`; expected one of shelling, patrol, unknown; "
        "did you mean `shelling`?",
    ]


def test_a_file_that_is_neither_ruleset_nor_scenario_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "other.yaml", "id: x\nrule: []\n")
    assert messages(check_file(path)) == [
        f"{path}:1:1: neither a ruleset nor a scenario: expected a top-level `rules` (or `extends`) or "
        "`incidents`; did you mean `rules`?"
    ]


def test_a_variant_is_checked_as_the_ruleset_it_makes(tmp_path: Path) -> None:
    write(tmp_path, "small.yaml", RULESET)
    variant = write(tmp_path, "variant.yaml", "extends: small.yaml\nid: variant\nparties:\n  isis: {role: exclude}\n")
    result = check_file(variant)
    assert result.kind == "ruleset"
    assert messages(result) == [
        f"{variant}:4:10: parties.isis.role: unknown role `exclude`; expected one of covered, sponsor, excluded, "
        "not_party; "
        "did you mean `excluded`?"
    ]


def test_a_variant_that_sets_a_knob_past_what_its_term_takes_is_an_error(tmp_path: Path) -> None:
    # what `run` would refuse: an escalation window of ten billion hours
    text = "extends: syria-2016-09\nid: eschuge\ntitle: X\npolicy: {escalation_hours: 10000000000}\n"
    variant = write(tmp_path, "eschuge.yaml", text)
    assert messages(check_file(variant)) == [
        f"{variant}:4:10: policy.escalation_hours: `10000000000` is too large for `escalation.hours`; expected at "
        "most 87,672"
    ]


def test_a_scenario_reports_its_own_errors_with_its_rulesets(tmp_path: Path) -> None:
    ruleset = write(tmp_path, "small.yaml", RULESET.replace("role: excluded", "role: exclude"))
    scenario = write(tmp_path, "scenario.yaml", SCENARIO + "  - id: one\n")
    assert messages(check_file(scenario)) == [
        f"{scenario}:11:5: incidents[1].id: incident id `one` is used twice (first at incidents[0])",
        f"{ruleset}:8:31: parties.isis.role: unknown role `exclude`; expected one of covered, sponsor, excluded, "
        "not_party; "
        "did you mean `excluded`?",
    ]


def test_a_ruleset_checked_alone_and_through_its_scenario_is_reported_once(tmp_path: Path, cli: Cli) -> None:
    write(tmp_path, "small.yaml", RULESET.replace("role: excluded", "role: exclude"))
    write(tmp_path, "scenario.yaml", SCENARIO)
    code, out, err = cli("check", str(tmp_path))
    assert code == 2
    assert len(err.splitlines()) == 1
    assert out == "2 files checked: 1 error\n"


def test_a_scenario_whose_ruleset_is_missing_or_whose_expectation_names_no_rule(tmp_path: Path) -> None:
    missing = write(tmp_path, "missing.yaml", SCENARIO.replace("ruleset: small.yaml", "ruleset: smal.yaml"))
    assert messages(check_file(missing)) == [
        f"{missing}:3:1: ruleset: ruleset `smal.yaml` not found at {tmp_path}/smal.yaml"
    ]
    write(tmp_path, "small.yaml", RULESET)
    wrong = write(
        tmp_path, "wrong.yaml", SCENARIO.replace("expect: violation", "expect: {verdict: violation, rule: atack}")
    )
    assert messages(check_file(wrong)) == [
        f"{wrong}:9:34: incidents[0].expect.rule: no rule `atack` in ruleset `small`; did you mean `attack`?"
    ]


def test_missing_files_and_empty_folders_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    results = check_paths([tmp_path / "nope.yaml", tmp_path / "empty"])
    assert [messages(r) for r in results] == [
        [f"{tmp_path}/nope.yaml: no such file"],
        [f"{tmp_path}/empty: no .yaml files here"],
    ]


def test_a_folder_of_parquet_files_is_said_to_be_one_for_run(tmp_path: Path) -> None:
    (tmp_path / "events" / "year=2016").mkdir(parents=True)
    (tmp_path / "events" / "year=2016" / "part.parquet").write_bytes(b"PAR1")
    (result,) = check_paths([tmp_path / "events"])
    assert messages(result) == [
        f"{tmp_path}/events: no .yaml files here: check reads rulesets and scenarios; `ceasefire run "
        f"{tmp_path}/events --rules RULESET -o OUT/` judges a folder of Parquet files"
    ]


def test_an_incident_table_is_checked_row_by_row(tmp_path: Path) -> None:
    table = write(tmp_path, "events.jsonl", '{"id": "a"}\n{"id": "b", "killed": 1}\n')
    assert messages(check_file(table)) == [
        f"{table}:2: killed: `killed` goes under `casualties`: casualties: {{killed: ...}}"
    ]


ROWS = [("ok", 1), ("a", -1), ("ok", 2), ("b", -3)]


@pytest.mark.parametrize(
    ("suffix", "where"),
    [
        (".csv", [":3: ", ":4: ", ":5: "]),
        (".jsonl", [":2: ", ":3: ", ":4: "]),
        (".parquet", [": row 2: ", ": row 3: ", ": row 4: "]),
    ],
)
def test_every_bad_row_of_a_table_is_listed(cli: Cli, tmp_path: Path, suffix: str, where: list[str]) -> None:
    import polars as pl

    path = tmp_path / f"events{suffix}"
    if suffix == ".csv":
        path.write_text("id,killed\n" + "".join(f"{i},{k}\n" for i, k in ROWS))
    elif suffix == ".jsonl":
        path.write_text("".join(f'{{"id": "{i}", "casualties": {{"killed": {k}}}}}\n' for i, k in ROWS))
    else:
        pl.DataFrame(ROWS, schema=["id", "killed"], orient="row").write_parquet(path)
    found = messages(check_file(path))
    assert [f[len(str(path)) :].split("casualties")[0].split("id")[0] for f in found] == where
    assert "casualties.killed: `-1` is too small" in found[0]
    assert "incident id `ok` is used twice" in found[1]
    assert "casualties.killed: `-3` is too small" in found[2]
    code, out, err = cli("check", str(path))
    assert code == 2
    assert err.count("error: ") == 3 and "3 errors" in out
    code, _, err = cli("run", str(path), "--rules", "syria-2016-09")
    assert code == 2 and err.count("error: ") == 1  # a run stops at the first


def test_check_lists_the_first_bad_rows_of_a_table_and_counts_the_rest(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "events.csv", "id,killed\n" + "".join(f"r{i},x\n" for i in range(60)) + "ok,1\n")
    found = messages(check_file(path))
    assert len(found) == 51
    assert found[0] == f"{path}:2: casualties.killed: expected a whole number, got `x`"
    assert found[49].startswith(f"{path}:51: ")
    assert found[50] == f"{path}: … and 10 more bad rows"
    code, _, err = cli("check", str(path))
    assert code == 2 and err.count("\n") == 51


def test_check_warns_of_a_table_s_columns_it_does_not_read(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "events.csv", "id,time,actor,act,tags\na,2016-09-17,ISIS,shelling,x\n")
    code, _, err = cli("check", str(path))
    assert code == 0
    assert err == f"warning: {path}: ignoring 1 column ceasefire does not read: tags\n"
    assert cli("check", str(path), "--strict")[0] == 1


# Lint: rules that never decide, roles and acts no rule tells apart, knobs no rule reads.


def warnings_for(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, "small.yaml", text)
    return [f"{p.line}: {p.path}: {p.message}" for p in lint(read_ruleset(path))]


def shadows(tmp_path: Path, *rules: str) -> list[str]:
    """(later rule, earlier rule) pairs that `check` reports as shadowed, for rules in this order."""
    path = write(tmp_path, "r.yaml", with_rules("".join(rules)))
    compiled = read_ruleset(path).compiled
    ids = {r.order: r.id for r in compiled.rules}
    return [f"{ids[int(key[1])]}<{message.split('`')[3]}" for key, message in dead_rules(compiled)]


def dead(tmp_path: Path, text: str) -> list[str]:
    """What `check` says of the rules of a ruleset that never decide."""
    return [message for _, message in dead_rules(read_ruleset(write(tmp_path, "r.yaml", text)).compiled)]


def ties(tmp_path: Path, text: str) -> list[tuple[Key, str]]:
    """What `check` says of the rules of a ruleset that tie."""
    return list(tied_rules(read_ruleset(write(tmp_path, "r.yaml", text)).compiled))


def test_the_small_ruleset_has_no_warnings(tmp_path: Path) -> None:
    assert warnings_for(tmp_path, RULESET) == []


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("always", "{act: shelling}"),  # an unconditional rule decides everything after it
        ("{act: shelling}", "{act: shelling}"),  # the same test
        ("{act: [shelling, patrol]}", "{act: shelling, actor.role: covered}"),  # fewer values, more tests
        ("{act: {not: patrol}}", "{act: shelling}"),  # `not` over a field with few values
        ("{act.hostile: {present: true}}", "{act: shelling}"),  # every act the ruleset knows has a hostility
        ("{act.hostile: true}", "{act: shelling}"),  # shelling is hostile
        ("{actor.role: covered}", "{actor.party: [army, rebels]}"),  # both parties are covered
        ("{actor.side: government}", "{actor.party: army}"),
        ("{killed: {gte: 10}}", "{killed: {gte: 12, lt: 20}}"),
        ("{killed: {lt: 5}}", "{killed: [1, 4]}"),
        ("{any: [{act: shelling}, {act: patrol}]}", "{act: patrol}"),
        ("{act: shelling}", "{any: [{act: shelling, actor.role: covered}, {act: shelling, killed: 3}]}"),
        ("{all: [{act: shelling}]}", "{act: shelling}"),
        ("{act: shelling, any: [{actor.role: covered}, {killed: 1}]}", "{actor.role: covered, act: shelling}"),
    ],
)
def test_a_rule_that_an_earlier_rule_always_beats_is_shadowed(tmp_path: Path, earlier: str, later: str) -> None:
    assert shadows(tmp_path, rule("first", 10, earlier), rule("second", 20, later)) == ["second<first"]


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("{act: shelling}", "{act: [shelling, patrol]}"),  # the later rule also decides patrol
        ("{act: shelling}", "{actor.role: covered}"),  # other fields
        ("{act: shelling, actor.role: covered}", "{act: shelling}"),
        ("{act.hostile: {present: true}}", "{act: unknown}"),  # an unknown act has no hostility
        ("{actor.side: government}", "{actor.party: [army, isis]}"),  # isis has no side
        ("{killed: {gte: 10}}", "{killed: {gte: 5}}"),
        ("{killed: {lt: 5}}", "{killed: {present: true}}"),
        ("{act: {present: false}}", "{act: shelling}"),
        ("{any: [{act: shelling}, {act: patrol}]}", "{act: {not: patrol}}"),  # `unknown` is neither
        ("{killed: {gte: 10}}", "{killed: {not: 0}}"),  # `not` on a count bounds nothing
    ],
)
def test_a_rule_that_can_still_decide_is_not_shadowed(tmp_path: Path, earlier: str, later: str) -> None:
    assert shadows(tmp_path, rule("first", 10, earlier), rule("second", 20, later)) == []


def test_a_knob_holds_no_proof_since_a_what_if_can_flip_it(tmp_path: Path) -> None:
    rules = rule("first", 10, "{policy.strict: true}") + rule("second", 20, "{act: shelling}")
    path = write(tmp_path, "r.yaml", with_rules(rules).replace("rules:\n", "policy: {strict: true}\nrules:\n"))
    assert list(dead_rules(read_ruleset(path).compiled)) == []


def test_priority_not_file_order_decides_who_comes_first(tmp_path: Path) -> None:
    assert shadows(tmp_path, rule("late", 50, "{act: shelling}"), rule("early", 10, "always")) == ["late<early"]
    assert shadows(tmp_path, rule("a", 10, "{act: shelling}"), rule("b", 10, "{act: shelling}")) == ["b<a"]


def test_the_shadow_warning_names_both_rules_at_the_later_rules_line(tmp_path: Path) -> None:
    text = RULESET + rule("heavy-attack", 40, "{act: shelling, actor.role: covered, target.role: covered, killed: 9}")
    assert warnings_for(tmp_path, text) == [
        "37: rules[4]: rule `heavy-attack` can never decide: rule `attack` (priority 30) comes first and holds "
        "whenever it does"
    ]


def test_a_ruleset_too_large_to_examine_says_so_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = "".join(rule(f"r{i}", i, f"{{killed: {{lt: {i + 1}}}}}") for i in range(6))
    assert shadows(tmp_path, rules) == []  # each rule decides one count more
    monkeypatch.setattr("engine.analysis.check.MAX_PARTS", 3)
    path = write(tmp_path, "r.yaml", with_rules(rules))
    assert list(dead_rules(read_ruleset(path).compiled)) == [
        (
            ("rules",),
            "too many kinds of incident to find the rules that never decide: the rules cut the incidents into "
            "more than 3 classes",
        )
    ]
    assert list(tied_rules(read_ruleset(path).compiled)) == []


# Rules that contradict themselves: each can never hold, whatever comes before it (placed last, priority 40).
SCOPED = RULESET.replace("parties:\n", "scope: {country: Syria, regions: [Idleb]}\nparties:\n").replace(
    "  isis:", "  coalition: {name: Coalition, role: sponsor}\n  isis:"
)


@pytest.mark.parametrize(
    ("when", "said"),
    [
        ("{killed: {gt: 5, lt: 3}}", "no incident has `killed: {gt: 5, lt: 3}`"),
        (
            "{act: patrol, act.hostile: true, killed: {gte: 1}}",
            "no incident has `act: patrol, act.hostile: true` (act `patrol` is not hostile)",
        ),
        (
            "{actor.party: army, all: [{actor.role: excluded}]}",
            "no incident has `actor.party: army, all: [{actor.role: excluded}]`",
        ),
        (
            "{actor.role: covered, all: [{actor.role: sponsor}]}",
            "no incident has `actor.role: covered, all: [{actor.role: sponsor}]`",
        ),
        (
            "{actor.party: coalition, actor.role: covered}",
            "no incident has `actor.party: coalition, actor.role: covered` (`coalition` is sponsor)",
        ),
        (
            "{region: Homs, in_scope: true}",
            "no incident has `admin1: homs, in_scope: true` (`homs` lies outside the scope)",
        ),
        (
            "{in_window: true, any: [{in_window: false}]}",
            "no incident has `in_window: true, any: [{in_window: false}]`",
        ),
        (
            "{actor.side: government, actor.party: isis}",
            "no incident has `actor.side: government, actor.party: isis` (`isis` has no side)",
        ),
    ],
)
def test_a_rule_whose_condition_contradicts_itself_can_never_decide(tmp_path: Path, when: str, said: str) -> None:
    assert dead(tmp_path, SCOPED + rule("never", 40, when)) == [
        f"rule `never` can never decide: {said}; fix the condition, or remove the rule"
    ]


PHASED = RULESET.replace(
    "rules:\n",
    """phases:
  - {id: p1, clause: c}
  - {id: p2, clause: c, from: 2016-09-01T00:00:00+03:00}
  - {id: p2b, clause: c, from: {after: p2, duration: P1D}}
  - {id: p3, clause: c, from: 2016-09-21T00:00:00+03:00}
  - {id: p4, clause: c, from: {after: p3, duration: P1D}}
  - {id: p5, clause: c, from: {after: p4, quiet_days: 2}}
rules:
""",
)


def test_phases_whose_dates_keep_them_from_force_are_warned_of_and_the_rules_testing_them(tmp_path: Path) -> None:
    """p2 begins before the window does, so p1 (listed before it, begun with the window) is never in force; p3
    begins after it ends, so neither it nor p4 and p5 (which follow it) ever are. A rule that tests only those is
    dead; one that tests a phase that may be in force (p2b, after p2) is not."""
    text = PHASED + rule("in-p1", 30, "{phase: p1}") + rule("late", 30, "{phase: [p3, p5]}")
    text += rule("in-p2b", 30, "{phase: p2b}")
    found = warnings_for(tmp_path, text)
    assert [w for w in found if "phase" in w] == [
        "44: rules[4]: rule `in-p1` can never decide: no incident has `phase: p1` (`p1` is never in force); fix the "
        "condition, or remove the rule",
        "45: rules[5]: rule `late` can never decide: no incident has `phase: [p3, p5]` (`p3`, `p5` are never in "
        "force); fix the condition, or remove the rule",
        "14: phases[1].from: phase `p2` begins at 2016-09-01T00:00:00+03:00, at or before the window's start "
        "(2016-09-12T19:00:00+03:00): it is in force from the window's start, and `p1`, listed before it, never is",
        "16: phases[3].from: phase `p3` begins at 2016-09-21T00:00:00+03:00, at or after the window's end "
        "(2016-09-19T19:00:00+03:00): it is never in force, nor are `p4` and `p5`, which follow it",
    ]


def test_a_phase_a_later_dated_one_overtakes_and_a_window_start_in_no_phase_are_warned_of(tmp_path: Path) -> None:
    """`jic` begins three days after `initial` (15 Sep 19:00 at the earliest), but `late`, listed after it, is
    dated 13 Sep: once it has begun `jic` never does. A first phase dated after the window's start leaves the
    time before it in no phase."""

    def phased(*phases: str) -> str:
        return RULESET.replace("rules:\n", "phases:\n" + "".join(f"  - {p}\n" for p in phases) + "rules:\n")

    overtaken = phased(
        "{id: initial, clause: c}",
        "{id: jic, clause: c, from: {after: initial, duration: P3D}}",
        "{id: late, clause: c, from: 2016-09-13T00:00:00+03:00}",
    )
    assert [w for w in warnings_for(tmp_path, overtaken) if "phase" in w] == [
        "14: phases[1].from: phase `jic` can never begin: `late`, listed after it, begins at "
        "2016-09-13T00:00:00+03:00, no later than `jic` could (2016-09-15T19:00+03:00), and once a phase has begun "
        "none listed before it begins"
    ]
    assert not [w for w in warnings_for(tmp_path, overtaken.replace("2016-09-13", "2016-09-16")) if "phase" in w]
    late_first = phased("{id: initial, clause: c, from: 2016-09-14T00:00:00+03:00}")
    assert [w for w in warnings_for(tmp_path, late_first) if "phase" in w] == [
        "13: phases[0].from: phase `initial` begins at 2016-09-14T00:00:00+03:00, after the window's start "
        "(2016-09-12T19:00:00+03:00): an incident before it is in no phase (`phase` none); to name that time, list "
        "a phase before it with no `from`"
    ]


def test_a_rule_is_dead_only_where_no_policy_setting_lets_it_decide(tmp_path: Path) -> None:
    text = RULESET.replace("rules:\n", "policy: {strict: false}\nrules:\n")
    assert dead(tmp_path, text + rule("strict", 40, "{policy.strict: true, act.hostile: true}")) == []
    contradiction = text + rule("strict", 40, "{policy.strict: true, all: [{policy.strict: false}]}")
    assert dead(tmp_path, contradiction) == [
        "rule `strict` can never decide: no incident has `policy.strict: true, all: [{policy.strict: false}]`; "
        "fix the condition, or remove the rule"
    ]


def test_a_ruleset_with_too_many_policy_settings_to_try_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = RULESET.replace("rules:\n", "policy: {strict: false}\nrules:\n") + rule(
        "strict", 40, "{policy.strict: true}"
    )
    monkeypatch.setattr("engine.analysis.check.MAX_SETTINGS", 1)
    assert dead(tmp_path, text) == [
        "too many kinds of incident to find the rules that never decide: the policy knobs the rules test can be "
        "set 2 ways"
    ]


def test_a_rule_that_earlier_rules_decide_between_them_names_them(tmp_path: Path) -> None:
    text = RULESET + rule("shelling", 40, "{act: shelling, actor.role: [covered, excluded], target.role: covered}")
    assert dead(tmp_path, text) == [
        "rule `shelling` can never decide: rules `excluded-actor` (priority 10), `time-unknown` (priority 25) "
        "and `attack` (priority 30) come first and one of them holds whenever it does"
    ]


# Two rules of one priority that both hold for the rebels shelling the army: file order picks the verdict.
TIED = with_rules(
    rule("attack", 30, "{actor.role: covered, act: shelling, target.role: covered}")
    + rule("return-fire", 30, "{actor.party: rebels, act: shelling, in_window: true}", "permitted")
)
SWAPPED = with_rules(
    rule("return-fire", 30, "{actor.party: rebels, act: shelling, in_window: true}", "permitted")
    + rule("attack", 30, "{actor.role: covered, act: shelling, target.role: covered}")
)
RETURN_FIRE = Incident(id="x", time="2016-09-13T10:00:00+03:00", actor="Rebels", act="shelling", target="Army")


def test_rules_of_one_priority_are_decided_by_file_order(tmp_path: Path) -> None:
    verdicts = [
        evaluate(read_ruleset(write(tmp_path, f"{name}.yaml", text)).compiled, [RETURN_FIRE])[0]
        for name, text in (("tied", TIED), ("swapped", SWAPPED))
    ]
    assert [(v.verdict, v.rule) for v in verdicts] == [("violation", "attack"), ("permitted", "return-fire")]


def test_rules_of_one_priority_that_both_hold_with_different_verdicts_are_a_tie(tmp_path: Path) -> None:
    incident = "actor: covered: rebels; act: shelling; target: covered; time: inside the window"
    assert ties(tmp_path, TIED) == [
        (
            ("rules", 1),
            f"rules `attack` (rules[0]) and `return-fire` both have priority 30 and both hold for {incident}: "
            "`attack` decides violation only because it is written first, where `return-fire` would decide "
            "permitted; give the one meant to decide a lower priority, or make their conditions exclusive",
        )
    ]
    assert ties(tmp_path, SWAPPED)[0][0] == ("rules", 1)  # said at the rule written later, whichever it is
    assert "rules `return-fire` (rules[0]) and `attack`" in ties(tmp_path, SWAPPED)[0][1]


def test_a_tie_is_a_warning_at_the_later_rule_and_a_finding_under_strict(tmp_path: Path, cli: Cli) -> None:
    path = write(
        tmp_path, "small.yaml", RULESET + rule("return-fire", 30, "{actor.party: rebels, act: shelling}", "permitted")
    )
    assert cli("check", str(path))[0] == 0
    code, out, err = cli("check", str(path), "--strict")
    assert (code, out) == (1, "1 file checked: 1 warning\n")
    assert err.startswith(f"warning: {path}:37:5: rules[4]: rules `attack` (rules[2]) and `return-fire` both have ")
    assert "hold for actor: covered: rebels; act: shelling; target: covered; time: anything but time unknown: " in err


def test_of_three_rules_of_one_priority_the_deciding_one_is_named_with_each_that_disagrees(tmp_path: Path) -> None:
    three = with_rules(
        rule("attack", 30, "{actor.role: covered, act: shelling}")
        + rule("also-attack", 30, "{act: shelling}")
        + rule("return-fire", 30, "{actor.party: rebels}", "permitted")
    )
    assert [(key, message.split(" both have")[0]) for key, message in ties(tmp_path, three)] == [
        (("rules", 2), "rules `attack` (rules[0]) and `return-fire`")
    ]


@pytest.mark.parametrize(
    ("second", "why"),
    [
        ("{actor.party: rebels, act: shelling}", "the same verdict"),
        ("{actor.party: rebels, act: patrol}", "exclusive conditions"),
        ("{actor.party: isis, act: shelling}", "a rule of lower priority decides first (excluded-actor)"),
    ],
)
def test_rules_of_one_priority_that_cannot_disagree_are_no_tie(tmp_path: Path, second: str, why: str) -> None:
    verdict = "violation" if why == "the same verdict" else "permitted"
    first = rule("attack", 30, "{actor.role: covered, act: shelling, target.role: covered}")
    other = rule("excluded-actor", 10, "{actor.role: excluded}", "not_covered")
    assert ties(tmp_path, with_rules(other + first + rule("second", 30, second, verdict))) == [], why


def test_a_tie_that_needs_another_policy_setting_says_which(tmp_path: Path) -> None:
    text = TIED.replace("in_window: true}", "in_window: true, policy.return_fire: permitted}").replace(
        "rules:\n", "policy: {return_fire: forbidden}\nrules:\n"
    ) + rule("no-return-fire", 40, "{policy.return_fire: forbidden}", "undetermined")
    [(_, message)] = ties(tmp_path, text)
    assert (
        "and `return-fire` both have priority 30 and both hold for actor: covered: rebels; act: shelling; " in message
    )
    assert "; policy.return_fire: permitted: `attack` decides violation only because" in message


def test_the_shipped_rulesets_pair_of_one_priority_is_exclusive_by_its_knob() -> None:
    for name in ("syria-2016-02", "syria-2016-09"):
        compiled = read_ruleset(ROOT / "rules" / f"{name}.yaml").compiled
        pair = [r for r in compiled.rules if r.id.startswith("mistaken-strike-")]
        assert len({r.priority for r in pair}) == 1 and len({r.verdict for r in pair}) == 2
        assert list(tied_rules(compiled)) == []
        assert list(dead_rules(compiled)) == []  # each decides under its own setting of `mistaken_target`


def test_a_catch_all_rule_is_written_always_and_decides_what_no_rule_before_it_does(tmp_path: Path) -> None:
    text = RULESET + rule("otherwise", 90, "always", "undetermined")
    path = write(tmp_path, "r.yaml", text)
    compiled = read_ruleset(path).compiled
    nothing = Incident(id="y")
    assert [v.rule for v in evaluate(compiled, [nothing, RETURN_FIRE])] == ["time-unknown", "attack"]
    assert [v.rule for v in evaluate(compiled, [Incident(id="z", time="2016-09-13T10:00:00+03:00")])] == ["otherwise"]
    assert warnings_for(tmp_path, text) == []


def test_a_role_no_rule_mentions_is_a_warning_and_a_party_of_it_counts_as_a_mention(tmp_path: Path) -> None:
    with_sponsor = RULESET.replace("acts:\n", "  coalition: {name: Coalition, role: sponsor}\nacts:\n")
    assert warnings_for(tmp_path, with_sponsor) == [
        "9: parties.coalition.role: no rule mentions role `sponsor` or a party that has it (`coalition`)"
    ]
    named = with_sponsor.replace("when: {actor.role: excluded}", "when: {actor.party: [isis, coalition]}")
    assert warnings_for(tmp_path, named) == []


def test_an_act_no_rule_reads_is_a_warning(tmp_path: Path) -> None:
    text = RULESET.replace("when: {act.hostile: false}", "when: {act: {present: false}}")
    assert warnings_for(tmp_path, text) == [
        "11: acts.patrol: no rule reads act `patrol`: no `act` test names it and none tests `act.hostile: false`"
    ]
    # a rule that refuses an act reads it too (placed last, where it shadows nothing)
    named = text.replace("act: {present: false}", "act: {not: patrol}").replace("priority: 20", "priority: 40")
    assert warnings_for(tmp_path, named) == []


def test_a_policy_knob_no_rule_reads_is_a_warning(tmp_path: Path) -> None:
    text = RULESET.replace("rules:\n", "policy: {strict: false}\nrules:\n")
    assert warnings_for(tmp_path, text) == ["12: policy.strict: no rule reads policy knob `strict`"]


def test_warnings_exit_0_unless_strict_and_errors_exit_2(tmp_path: Path, cli: Cli) -> None:
    warned = write(tmp_path, "small.yaml", RULESET.replace("rules:\n", "policy: {strict: false}\nrules:\n"))
    code, out, err = cli("check", str(warned))
    assert (code, out) == (0, "1 file checked: 1 warning\n")
    assert err == f"warning: {warned}:12:10: policy.strict: no rule reads policy knob `strict`\n"
    assert cli("check", str(warned), "--strict")[0] == 1
    broken = write(tmp_path, "broken.yaml", RULESET.replace("role: excluded", "role: exclude"))
    code, out, err = cli("check", str(warned), str(broken), "--strict")
    assert code == 2
    assert out == "2 files checked: 1 error, 1 warning\n"
    assert [line.split(":")[0] for line in err.splitlines()] == ["warning", "error"]


def test_json_output_lists_files_problems_and_counts(tmp_path: Path, cli: Cli) -> None:
    warned = write(tmp_path, "small.yaml", RULESET.replace("rules:\n", "policy: {strict: false}\nrules:\n"))
    code, out, err = cli("check", str(warned), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "files": [{"file": str(warned), "kind": "ruleset"}],
        "problems": [
            {
                "file": str(warned),
                "line": 12,
                "column": 10,
                "path": "policy.strict",
                "message": "no rule reads policy knob `strict`",
                "severity": "warning",
            }
        ],
        "summary": {"files": 1, "errors": 0, "warnings": 1},
    }
    assert out == cli("check", str(warned), "--format", "json")[1]


def test_summary_counts_in_words() -> None:
    error, warning = Problem("f", "e"), Problem("f", "w", severity="warning")
    assert summary([Checked("a", "ruleset", ())]) == "1 file checked: no problems"
    assert summary([Checked("a", "ruleset", (error, warning, Problem("f", "x", severity="warning")))]) == (
        "1 file checked: 1 error, 2 warnings"
    )
    assert summary([Checked("a", None, (error,)), Checked("b", None, (error,))]) == "2 files checked: 1 error"


def test_check_needs_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    assert "the following arguments are required" in capsys.readouterr().err


def test_a_window_end_given_as_a_bare_date_is_shown_a_time_that_would_do(tmp_path: Path) -> None:
    path = write(tmp_path, "dated.yaml", RULESET.replace("from: 2016-09-12T19:00:00+03:00", "from: 2016-09-12"))
    assert messages(check_file(path)) == [
        f"{path}:4:10: window.from: `2016-09-12` is not a date-time; write one with its UTC offset, like "
        "2016-09-12T00:00:00+HH:MM"
    ]


def test_a_window_end_without_offset_is_shown_the_other_ends_offset(tmp_path: Path) -> None:
    path = write(tmp_path, "local.yaml", RULESET.replace("from: 2016-09-12T19:00:00+03:00", "from: 2016-09-12T19:00"))
    assert messages(check_file(path)) == [
        f"{path}:4:10: window.from: `2016-09-12T19:00` has no UTC offset; write it with one, like "
        "2016-09-12T19:00+03:00, or name the ruleset's zone with a top-level `timezone` "
        "(like `timezone: Asia/Damascus`)"
    ]


def test_a_window_end_without_offset_is_read_in_the_rulesets_zone(tmp_path: Path) -> None:
    text = RULESET.replace("from: 2016-09-12T19:00:00+03:00", "from: 2016-09-12T19:00").replace(
        "\nwindow:", "\ntimezone: Asia/Damascus\nwindow:"
    )
    compiled = read_ruleset(write(tmp_path, "zoned.yaml", text)).compiled
    assert compiled.start == datetime(2016, 9, 12, 16, 0, tzinfo=UTC)
    assert compiled.start.utcoffset() == timedelta(hours=3)


def test_a_path_the_system_refuses_is_one_problem_not_a_crash(tmp_path: Path) -> None:
    too_long = tmp_path / ("a/" * 3000 + "x.yaml")
    (result,) = check_paths([too_long])
    assert result.kind is None and len(result.problems) == 1
    assert result.problems[0].message == "cannot read: file name too long"


PATTERNED = RULESET.replace(
    "  rebels: {name: Rebels, role: covered, side: opposition}\n",
    "  rebels: {name: Rebels, role: covered, side: opposition, patterns: ['.*Rebels.*']}\n",
).replace(
    "  isis: {name: Islamic State, role: excluded, aliases: [ISIS]}\n",
    "  isis: {name: Islamic State, role: excluded, aliases: [ISIS], patterns: ['Rebels .+',"
    " {pattern: 'Army .+', from: 2016-09-15}]}\n",
)


def test_patterns_of_two_parties_that_match_one_spelling_are_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "small.yaml", PATTERNED)
    assert messages(check_file(path)) == [
        f"{path}:8:75: parties.isis.patterns[0]: pattern `Rebels .+` of `isis` and pattern `.*Rebels.*` of `rebels` "
        "both match `Rebels a`: such a spelling resolves to neither; narrow one, or give the spelling as an alias"
    ]
    apart = PATTERNED.replace("'Rebels .+',", "'IS \\(.+\\)',")
    assert messages(check_file(write(tmp_path, "small.yaml", apart))) == []


def test_a_scenario_is_warned_at_each_name_its_time_leaves_unread(tmp_path: Path) -> None:
    write(tmp_path, "small.yaml", PATTERNED)
    scenario = write(
        tmp_path,
        "s.yaml",
        SCENARIO.replace("    actor: Army\n", "    actor: Army Air Force\n")
        + "  - {id: two, time: 2016-09-16T10:00:00+03:00, actor: Army Air Force, act: shelling, target: Free Rebels,\n"
        "     assoc_actor: [Wagner], accounts: [{source: S, time: 2016-09-14}]}\n",
    )
    outside = "`Army .+` (isis, valid only from 2016-09-15), and the time told lies outside those days"
    assert messages(check_file(scenario)) == [
        f"{scenario}:6:5: incidents[0].actor: `Army Air Force` matches only patterns valid between days: {outside}",
        f"{scenario}:12:20: incidents[1].assoc_actor[0]: `Wagner` resolves to no party or class",
        f"{scenario}:12:52: incidents[1].accounts[0].time: the incident's actor: `Army Air Force` matches only "
        f"patterns valid between days: {outside}",
    ]


def test_check_sees_an_id_used_twice_when_its_first_row_is_bad_too(tmp_path: Path) -> None:
    for name, text in (
        ("events.csv", "id,killed\nc1,x\nc2,1\nc1,1\n"),
        ("events.jsonl", '{"id": "c1", "casualties": {"killed": "x"}}\n{"id": "c2"}\n{"id": "c1"}\n'),
    ):
        path = write(tmp_path, name, text)
        found = messages(check_file(path))
        assert len(found) == 2 and found[0].startswith(f"{path}:2: " if name.endswith("csv") else f"{path}:1: ")
        first = 2 if name.endswith("csv") else 1
        assert found[1] == f"{path}:{first + 2}: id: incident id `c1` is used twice (first on line {first})"


def test_a_folder_search_passes_over_virtual_environments_caches_and_builds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check .` in a clone reads its own YAML, not that of the packages installed in its `venv/` (as ruff does)."""
    scenario = (ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml").read_text()
    (tmp_path / "mine.yaml").write_text(scenario)
    for skipped in ("venv/lib/site-packages/dask", ".venv", "node_modules/x", "build", ".git"):
        (tmp_path / skipped).mkdir(parents=True)
        (tmp_path / skipped / "config.yaml").write_text("not: [a scenario\n")
    assert main(["check", str(tmp_path)]) == 0
    assert "1 file checked: no problems" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "build")]) == 2  # a folder named itself is read
