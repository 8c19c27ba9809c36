"""Variants: JSON Merge Patch, chained `extends`, `--set`, and what each shipped variant changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.cli.main import main
from engine.errors import InputError
from engine.evaluation.pipeline import evaluate
from engine.incidents.load import load_scenario
from engine.incidents.model import Incident
from engine.ruleset.compile import normalize
from engine.ruleset.load import load_ruleset, ruleset_from
from engine.ruleset.variants import apply_sets, merge_patch, parse_set
from engine.yamlsafe import parse_yaml
from tests.conftest import ROOT

RULES = ROOT / "rules"
VARIANTS = RULES / "variants"
DEZ = ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml"
WEEK = ROOT / "scenarios" / "syria-week-2016-09.yaml"
SEPTEMBER_POLICY = {
    "jic_after_days": 7,
    "proportionate_casualty_ratio": 2,
    "reduced_violence_max_per_day": 0,
    "escalation_violations": 3,
    "escalation_hours": 24,
}
# the shipped scenarios the shipped variants apply to: those under the ruleset they extend
SCENARIOS = [p for p in sorted((ROOT / "scenarios").glob("*.yaml")) if "\nruleset: syria-2016-09\n" in p.read_text()]


# RFC 7396, Appendix A: every example, as (original, patch, result).
RFC_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), RFC_EXAMPLES)
def test_merge_patch_follows_every_rfc_7396_example(original: Any, patch: Any, result: Any) -> None:
    before = copy.deepcopy((original, patch))
    assert merge_patch(original, patch) == result
    assert (original, patch) == before  # neither input is changed


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=12,
)


@given(json_values, json_values)
def test_applying_a_merge_patch_twice_changes_nothing_more(target: Any, patch: Any) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once


def test_a_patched_list_is_a_copy_not_the_patch_itself() -> None:
    patch = {"aliases": ["x"]}
    merged = merge_patch({"aliases": ["a", "b"]}, patch)
    merged["aliases"].append("y")
    assert patch == {"aliases": ["x"]}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_variant_of_a_variant_merges_every_level(tmp_path: Path) -> None:
    strict = VARIANTS / "strict-liability.yaml"
    write(
        tmp_path / "unbound.yaml",
        f"extends: {strict}\nid: strict-unbound\npolicy: {{sponsors_bound: false}}\n"
        "scope: {country: null}\ncivilians: {aliases: [civvies]}\n",
    )
    write(
        tmp_path / "jfs.yaml",
        "extends: unbound.yaml\nid: strict-unbound-jfs\nparties: {jfs: {role: covered, side: null}}\n",
    )
    compiled = load_ruleset(tmp_path / "jfs.yaml")
    rules = compiled.ruleset
    assert rules.id == "strict-unbound-jfs"
    # strict, then unbound
    assert rules.policy == {**SEPTEMBER_POLICY, "mistaken_target": "violation", "sponsors_bound": False}
    assert rules.parties["jfs"].role == "covered"
    assert rules.parties["jfs"].side is None  # `null` deleted the key
    assert rules.parties["jfs"].aliases == load_ruleset("syria-2016-09").ruleset.parties["jfs"].aliases
    assert rules.scope.country is None
    # a list replaces the list: the old spellings of civilians are gone
    assert compiled.names[normalize("civvies")][1] == "civilians"
    assert normalize("civilian population") not in compiled.names
    assert [r.id for r in rules.rules] == [r.id for r in load_ruleset("syria-2016-09").ruleset.rules]


def test_an_error_in_a_variant_points_at_the_file_and_line_that_made_it(tmp_path: Path) -> None:
    write(tmp_path / "mid.yaml", f"extends: {VARIANTS / 'strict-liability.yaml'}\nid: mid\n")
    write(tmp_path / "top.yaml", "extends: mid.yaml\nid: top\nparties:\n  jfs: {role: exclude}\n")
    with pytest.raises(InputError) as exc:
        load_ruleset(tmp_path / "top.yaml")
    assert str(exc.value.problems[0]).startswith(f"{tmp_path / 'top.yaml'}:4:")
    assert "unknown role `exclude`" in str(exc.value.problems[0])


def refusals(path: Path, text: str) -> list[str]:
    """The problems a variant of the September ruleset (`text` after its `extends` and `id`) is refused with."""
    write(path, f"extends: syria-2016-09\nid: {path.stem}\n{text}")
    with pytest.raises(InputError) as exc:
        load_ruleset(path)
    return [str(p) for p in exc.value.problems]


def test_a_variant_window_that_starts_past_its_bases_end_is_said_at_the_variants_line(tmp_path: Path) -> None:
    assert refusals(tmp_path / "late.yaml", "window:\n  from: 2016-09-25T00:00:00+03:00\n") == [
        f"{tmp_path / 'late.yaml'}:4:3: window.from: window ends (2016-09-20T00:00:00+03:00) before it starts "
        "(2016-09-25T00:00:00+03:00)"
    ]


def test_a_misspelt_knob_in_a_variant_is_an_error_not_a_change_to_nothing(tmp_path: Path) -> None:
    assert refusals(tmp_path / "typo.yaml", "policy:\n  mistakn_target: violation\n") == [
        f"{tmp_path / 'typo.yaml'}:4:3: policy.mistakn_target: `mistakn_target` is no policy knob of the ruleset "
        "this extends, and no rule reads it; did you mean `mistaken_target`?; a variant sets its base's knobs, or "
        "adds one a rule reads"
    ]
    # a knob of its own is a variant's to add, where a rule it adds reads it
    write(
        tmp_path / "own.yaml",
        "extends: syria-2016-09\nid: own\npolicy:\n  shelling_covered: true\nrules:\n  shelling:\n"
        "    id: shelling\n    clause: c\n    priority: 1\n    verdict: violation\n    explanation: e\n"
        "    when: {act: shelling, policy.shelling_covered: true}\n",
    )
    assert load_ruleset(tmp_path / "own.yaml").ruleset.policy["shelling_covered"] is True


@pytest.mark.parametrize(
    "files",
    [
        {"a.yaml": "extends: a.yaml\nid: a\n"},
        {"a.yaml": "extends: b.yaml\nid: a\n", "b.yaml": "extends: a.yaml\nid: b\n"},
        {"a.yaml": "extends: b.yaml\nid: a\n", "b.yaml": "extends: c.yaml\nid: b\n", "c.yaml": "extends: b.yaml\n"},
    ],
)
def test_an_extends_loop_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, str]
) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    code = main(["whatif", str(DEZ), "--variant", str(tmp_path / "a.yaml")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "extends: `extends` goes round in a circle: a.yaml → " in err


def test_extends_names_a_ruleset_that_does_not_exist(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "v.yaml", "id: v\nextends: syria-2016-9\n")
    assert main(["whatif", str(DEZ), "--variant", str(tmp_path / "v.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'v.yaml'}:2:1: extends: no ruleset `syria-2016-9`; did you mean")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (
            "policy.mistaken_targt=violation",
            "--set: `policy.mistaken_targt`: no such key `mistaken_targt` to change; did you mean `mistaken_target`?",
        ),
        ("policy.mistaken_target", "--set: `policy.mistaken_target` is not PATH=VALUE"),
        ("=violation", "--set: `=violation` is not PATH=VALUE"),
        ("policy.mistaken_target=[a", "--set: policy.mistaken_target: `[a` is not a YAML value"),
        (
            "policy.mistaken_target=maybe",
            "--set: policy.mistaken_target: `maybe` is no value the rules test for; expected one of permitted, "
            "violation",
        ),
        (
            "policy.mistaken_target.strict=true",
            "--set: `policy.mistaken_target` holds a value, not a mapping; cannot set `strict` in it",
        ),
        (
            "rules.strike-on-excluder.verdict=violation",
            "--set: `rules.strike-on-excluder.verdict`: no entry `strike-on-excluder` in `rules`; "
            "did you mean `strike-on-excluded`?",
        ),
        (  # the first words of an id: the id they begin
            "rules.air-combat.priority=5",
            "--set: `rules.air-combat.priority`: no entry `air-combat` in `rules`; "
            "did you mean `air-combat-in-agreed-areas`?",
        ),
        (  # an id that begins it, before one merely like it (`attack-on-civilians`)
            "rules.attack-on-cov.priority=5",
            "--set: `rules.attack-on-cov.priority`: no entry `attack-on-cov` in `rules`; "
            "did you mean `attack-on-covered-party`?",
        ),
        (
            "rules.outside.priority=5",
            "--set: `rules.outside.priority`: no entry `outside` in `rules`; "
            "did you mean `outside-window` or `outside-scope`?",
        ),
        (  # no id close to it: every id, in order
            "rules.nope.priority=1",
            "--set: `rules.nope.priority`: no entry `nope` in `rules`; expected one of outside-window, outside-scope, "
            "actor-unresolved,",
        ),
        (
            "rules.strike-on-excluded.verdict=guilty",
            "--set: rules.strike-on-excluded.verdict: unknown verdict `guilty`; expected one",
        ),
        ("rules.strike-on-excluded.priority=x", "--set: rules.strike-on-excluded.priority: expected a whole number"),
        ("id=null", "--set: id: `id` is required"),
        ("rules.strike-on-excluded.verdict=null", "--set: rules.strike-on-excluded.verdict: `verdict` is required\n"),
        (
            "policy.jic_after_days=abc",
            "--set: policy.jic_after_days: `abc` is not a whole number, which `phases[1].from.quiet_days` reads it as",
        ),
        (
            "policy.jic_after_days=0",
            "--set: policy.jic_after_days: `0` is less than 1, which `phases[1].from.quiet_days` needs: a phase "
            "needs at least one quiet day to begin",
        ),
        (
            "policy.escalation_hours=-2",
            "--set: policy.escalation_hours: `-2` is less than 1, which `escalation.hours` needs",
        ),
        ("escalation.hours=-2", "--set: escalation.hours: `-2` is too small; expected at least 0"),
        # each term's number has a largest, written or held by the knob it names
        ("escalation.hours=87673", "--set: escalation.hours: `87673` is too large; expected at most 87,672"),
        (
            "policy.escalation_hours=10000000000",
            "--set: policy.escalation_hours: `10000000000` is too large for `escalation.hours`; expected at most "
            "87,672",
        ),
        (
            "policy.escalation_hours=99999999999999999999999",
            "--set: policy.escalation_hours: `99999999999999999999999` is too large for `escalation.hours`;",
        ),
        (
            "policy.escalation_violations=1000001",
            "--set: policy.escalation_violations: `1000001` is too large for `escalation.violations`; expected at "
            "most 1,000,000",
        ),
        (
            "policy.jic_after_days=3654",
            "--set: policy.jic_after_days: `3654` is too large for `phases[1].from.quiet_days`; expected at most 3653",
        ),
        ("phases.jic.from.quiet_days=3654", "--set: phases.jic.from.quiet_days: `3654` is too large; expected at"),
        ("phases.jic.from.quiet_days=-1", "--set: phases.jic.from.quiet_days: `-1` is too small; expected at least 0"),
        (
            "phases.jic.from.max_violations=1.5",
            "--set: phases.jic.from.max_violations: expected a whole number or a policy knob (`policy.NAME`), got "
            "`1.5`",
        ),
        (
            "self_defense.window=P3650000D",
            "--set: self_defense.window: `P3650000D` is too long; expected at most P3653D (ten years)",
        ),
        ("self_defense.window=PT99999999999999H", "--set: self_defense.window: `PT99999999999999H` is too long;"),
        (
            "policy.proportionate_casualty_ratio=1e20",
            "--set: policy.proportionate_casualty_ratio: `1e+20` is too large for `self_defense.max_casualty_ratio`; "
            "expected at most 1000",
        ),
        (
            "self_defense.max_casualty_ratio=true",
            "--set: self_defense.max_casualty_ratio: expected a number or a policy knob (`policy.NAME`), got `true`",
        ),
        (
            "policy.proportionate_casualty_ratio=[2]",
            "--set: policy.proportionate_casualty_ratio: expected text, a number or true or false, got `[2]`",
        ),
        ("escalation.hours=0", "--set: escalation.hours: an escalation needs at least 1 violation within at least 1"),
        # a whole number written as a float is refused with what to write, or as out of range where it is
        (
            "policy.jic_after_days=7.0",
            "--set: policy.jic_after_days: `7.0` is not a whole number, which `phases[1].from.quiet_days` reads it "
            "as; write 7\n",
        ),
        (
            "policy.escalation_hours=1e3",
            "--set: policy.escalation_hours: `1000.0` is not a whole number, which `escalation.hours` reads it as; "
            "write 1000\n",
        ),
        (
            "policy.escalation_hours=1e9",
            "--set: policy.escalation_hours: `1000000000.0` is too large for `escalation.hours`; expected at most "
            "87,672\n",
        ),
        ("escalation.hours=24.0", "--set: escalation.hours: `24.0` is not a whole number; write 24\n"),
        ("escalation.hours=1e9", "--set: escalation.hours: `1000000000.0` is too large; expected at most 87,672\n"),
        ("phases.jic.from.quiet_days=-1.0", "--set: phases.jic.from.quiet_days: `-1.0` is too small; expected at"),
        (
            "rules.strike-on-excluded.priority=10.0",
            "--set: rules.strike-on-excluded.priority: `10.0` is not a whole number; write 10\n",
        ),
        # a window turned backwards is said at the end `--set` changed, not at the file's own line
        (
            "window.from=2017-01-01T00:00:00Z",
            "--set: window.from: window ends (2016-09-20T00:00:00+03:00) before it starts (2017-01-01T00:00:00Z)\n",
        ),
        (
            "window.until=2015-01-01T00:00:00Z",
            "--set: window.until: window ends (2015-01-01T00:00:00Z) before it starts (2016-09-12T19:00:00+03:00)\n",
        ),
        (
            "window.from=2016-09-20T00:00:00+03:00",
            "--set: window.from: window ends (2016-09-20T00:00:00+03:00) when it starts (2016-09-20T00:00:00+03:00): "
            "the window holds no time\n",
        ),
        (  # said once: not again as a window that ends before it starts
            "window.from=2017-01-01T00:00:00",
            "--set: window.from: `2017-01-01T00:00:00` has no UTC offset; write it with one",
        ),
        (
            "policy.escalation_hours=1e300",  # no digits to write past 2^53: a float's may not be those meant
            "--set: policy.escalation_hours: `1e+300` is too large for `escalation.hours`; expected at most 87,672\n",
        ),
    ],
)
def test_set_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], expr: str, message: str) -> None:
    code = main(["whatif", str(DEZ), "--set", expr])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: {message}"), err


def test_set_reads_yaml_values_and_addresses_rules_by_id() -> None:
    assert parse_set("policy.sponsors_bound=false") == (["policy", "sponsors_bound"], False)
    assert parse_set("a.b=3") == (["a", "b"], 3)
    assert parse_set("a = null") == (["a"], None)
    doc = parse_yaml(
        "policy: {x: 1}\nrules:\n  - {id: r1, verdict: permitted}\n  - {id: r2, verdict: permitted}\n", "f"
    )
    changed = apply_sets(doc, ["rules.r2.verdict=violation", "policy.x=null"])
    assert changed.data == {
        "policy": {},
        "rules": [{"id": "r1", "verdict": "permitted"}, {"id": "r2", "verdict": "violation"}],
    }
    assert doc.data["rules"][1]["verdict"] == "permitted"  # the document it came from is unchanged
    assert changed.file_at(("rules", 1, "verdict")) == "--set"


# --- each shipped variant changes what it should, on the shipped scenarios -----------------------------


def verdicts(scenario: Path, rules: str | None = None) -> dict[str, str]:
    loaded = load_scenario(scenario, rules)
    found = evaluate(loaded.compiled, loaded.scenario.incidents, "columnar")
    return {v.incident: v.verdict for v in found}


def changed(scenario: Path, variant: str) -> dict[str, tuple[str, str]]:
    base, after = verdicts(scenario), verdicts(scenario, str(VARIANTS / f"{variant}.yaml"))
    return {i: (base[i], after[i]) for i in base if base[i] != after[i]}


def resolves_to(party: str, name: str | None) -> bool:
    found = load_ruleset("syria-2016-09").names.get(normalize(name or ""))
    return found is not None and found[0] == party


def incidents(scenario: Path) -> list[Incident]:
    return load_scenario(scenario).scenario.incidents


def told(incident: Incident, field: str) -> list[str | None]:
    """What the incident and each of its accounts say `field` is."""
    return [getattr(incident, field), *(getattr(a, field) or getattr(incident, field) for a in incident.accounts)]


def test_the_variants_ship_and_each_is_a_variant_of_the_september_ruleset() -> None:
    assert sorted(p.stem for p in VARIANTS.glob("*.yaml")) == [
        "jfs-covered",
        "sponsors-not-bound",
        "strict-liability",
        "truce-held",
    ]
    for path in VARIANTS.glob("*.yaml"):
        assert path.read_text().splitlines()[0].startswith("# yaml-language-server: $schema=")
        assert load_ruleset(path).id == f"syria-2016-09-{path.stem}"


def test_strict_liability_turns_the_deir_ez_zor_airstrike_into_a_violation() -> None:
    assert DEZ in SCENARIOS
    assert changed(DEZ, "strict-liability") == {"dez-airstrike": ("disputed", "violation")}


def test_strict_liability_changes_only_strikes_that_missed_an_excluded_group() -> None:
    for scenario in SCENARIOS:
        for incident_id in changed(scenario, "strict-liability"):
            incident = next(i for i in incidents(scenario) if i.id == incident_id)
            assert any(resolves_to("isis", t) or resolves_to("jfs", t) for t in told(incident, "intended_target"))


def test_sponsors_not_bound_puts_the_coalitions_strikes_outside_the_truce() -> None:
    assert changed(DEZ, "sponsors-not-bound") == {"dez-airstrike": ("disputed", "not_covered")}
    for scenario in SCENARIOS:
        after = verdicts(scenario, str(VARIANTS / "sponsors-not-bound.yaml"))
        for incident in incidents(scenario):
            if resolves_to("coalition", incident.actor):
                assert after[incident.id] == "not_covered", incident.id
        for incident_id in changed(scenario, "sponsors-not-bound"):
            assert resolves_to("coalition", next(i for i in incidents(scenario) if i.id == incident_id).actor)


@pytest.mark.skipif(not WEEK.exists(), reason="the week scenario is not in this checkout")
def test_jfs_covered_makes_strikes_on_jfs_violations() -> None:
    changes = changed(WEEK, "jfs-covered")
    assert changes["russian-strike-jfs-idlib"] == ("permitted", "violation")
    for incident_id, (_, after) in changes.items():
        incident = next(i for i in incidents(WEEK) if i.id == incident_id)
        # only incidents JFS takes part in change, and each becomes a violation (by JFS or against it)
        assert any(resolves_to("jfs", name) for f in ("actor", "target") for name in told(incident, f))
        assert after == "violation"
    assert changed(DEZ, "jfs-covered") == {}


def test_jfs_covered_on_a_scenario_of_its_own(tmp_path: Path) -> None:
    scenario = write(
        tmp_path / "jfs.yaml",
        json.dumps(
            {
                "scenario": "jfs",
                "title": "Strikes on JFS",
                "ruleset": "syria-2016-09",
                "incidents": [
                    {"id": "russia", "time": "2016-09-14T10:00:00+03:00", "actor": "Russian Aerospace Forces",
                     "act": "airstrike", "target": "Jabhat al-Nusra", "location": {"region": "Idlib"}},
                    {"id": "coalition", "time": "2016-09-14T11:00:00+03:00", "actor": "coalition",
                     "act": "drone strike", "target": "JFS", "location": {"region": "Idlib"}},
                    {"id": "isis", "time": "2016-09-14T12:00:00+03:00", "actor": "SAA", "act": "shelling",
                     "target": "ISIS", "location": {"region": "Deir ez-Zor"}},
                ],
            }
        ),
    )  # fmt: skip
    assert changed(scenario, "jfs-covered") == {
        "russia": ("permitted", "violation"),
        "coalition": ("permitted", "violation"),
    }


# --- a file of the wrong kind where a ruleset belongs: one line saying so ----------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", str(DEZ), "--rules", str(DEZ)], f"{DEZ}:8:1: this is a scenario; expected a ruleset"),
        (["diff", "syria-2016-09", str(DEZ)], f"{DEZ}:8:1: this is a scenario; expected a ruleset"),
        (["whatif", str(DEZ), "--variant", str(DEZ)], f"{DEZ}:8:1: this is a scenario; expected a ruleset"),
        (["run", str(DEZ), "--rules", "events.jsonl"], "events.jsonl: `events.jsonl` is not a ruleset; a ruleset is"),
    ],
)
def test_a_file_that_is_not_a_ruleset_is_named_in_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and len(err.splitlines()) == 1, err


def test_extends_naming_a_scenario_or_a_folder_says_which(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "s.yaml", DEZ.read_text(encoding="utf-8"))
    (tmp_path / "folder.yaml").mkdir()
    write(tmp_path / "v1.yaml", "id: v1\nextends: ./s.yaml\n")
    write(tmp_path / "v2.yaml", "id: v2\nextends: ./folder.yaml\n")
    for variant, message in (
        ("v1.yaml", f"{tmp_path / 's.yaml'}:8:1: this is a scenario; expected a ruleset"),
        ("v2.yaml", f"{tmp_path / 'v2.yaml'}:2:1: extends: ruleset `./folder.yaml` is a directory; expected a YAML"),
    ):
        assert main(["whatif", str(DEZ), "--variant", str(tmp_path / variant)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {message}") and len(err.splitlines()) == 1, err


def test_a_scenario_naming_itself_as_its_ruleset_is_told_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = DEZ.read_text(encoding="utf-8").replace("ruleset: syria-2016-09", "ruleset: same.yaml")
    write(tmp_path / "same.yaml", text)
    assert main(["run", str(tmp_path / "same.yaml")]) == 2
    err = capsys.readouterr().err
    assert "ruleset: ruleset `same.yaml` is this scenario itself; name a ruleset's id or path" in err
    assert len(err.splitlines()) == 1


def test_an_empty_ruleset_name_and_a_table_given_to_test_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["run", str(DEZ), "--rules", ""]) == 2
    assert capsys.readouterr().err == "error: ruleset: the name is empty; expected a ruleset id or path\n"
    table = tmp_path / "one.jsonl"
    write(table, '{"id": "a"}\n')
    assert main(["test", str(table)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {table}: `test` checks the expectations of scenario files (.yaml); this is not one\n"


# --- `rules` by id: a variant changes one rule and keeps the rest --------------------------------------------

BASE_IDS = [r.id for r in load_ruleset("syria-2016-09").ruleset.rules]

# A rule the September ruleset lacks, given whole: an airstrike on a party to none of the terms breaches them.
NEW_RULE = """\
  airstrike-on-non-party:
    clause: "Terms for a Cessation of Hostilities in Syria: no attacks"
    priority: 62
    when: {actor.role: [covered, sponsor], act: airstrike, target.role: not_party}
    verdict: violation
    explanation: "{actor} struck {target}, a party to none of the terms, from the air."
"""


def variant(tmp_path: Path, rules: str, name: str = "v.yaml") -> Path:
    return write(tmp_path / name, f"extends: syria-2016-09\nid: syria-2016-09-{Path(name).stem}\nrules:\n{rules}")


def test_a_variant_that_adds_one_rule_keeps_every_other(tmp_path: Path) -> None:
    rules = load_ruleset(variant(tmp_path, NEW_RULE)).ruleset.rules
    assert [r.id for r in rules] == [*BASE_IDS, "airstrike-on-non-party"]  # added after the rest
    assert rules[-1].when["act"] == "airstrike" and rules[-1].priority == 62


def test_a_whole_rule_replaces_in_place_a_partial_one_merges_and_null_removes(tmp_path: Path) -> None:
    base = {r.id: r for r in load_ruleset("syria-2016-09").ruleset.rules}
    path = variant(
        tmp_path,
        "  strike-on-excluded: {verdict: violation, when: {target.role: excluded}, clause: c, priority: 50,\n"
        "    explanation: e}\n"
        "  attack-on-covered-party: {explanation: Changed., when: {act.hostile: null}}\n"
        "  target-not-party: null\n",
    )
    rules = {r.id: r for r in load_ruleset(path).ruleset.rules}
    assert [r.id for r in load_ruleset(path).ruleset.rules] == [i for i in BASE_IDS if i != "target-not-party"]
    assert rules["strike-on-excluded"].when == {"target.role": "excluded"}  # whole: nothing of the old one kept
    assert rules["strike-on-excluded"].clause == "c"
    merged = rules["attack-on-covered-party"]
    assert merged.explanation == "Changed."
    assert merged.when == {k: v for k, v in base["attack-on-covered-party"].when.items() if k != "act.hostile"}
    assert (merged.clause, merged.priority, merged.verdict) == (
        base["attack-on-covered-party"].clause,
        base["attack-on-covered-party"].priority,
        base["attack-on-covered-party"].verdict,
    )


@pytest.mark.parametrize(
    ("rules", "line", "message"),
    [
        (
            "  strike-on-excluder: {verdict: violation}\n",
            "4:3: rules.strike-on-excluder",
            "no rule `strike-on-excluder` in `syria-2016-09` to change (a new rule gives `when` and `verdict`); "
            "did you mean `strike-on-excluded`?",
        ),
        (
            "  target-not-a-party: null\n",
            "4:3: rules.target-not-a-party",
            "no rule `target-not-a-party` in `syria-2016-09` to remove; did you mean `target-not-party`?",
        ),
        (
            "  strike-on-excluded: permitted\n",
            "4:3: rules.strike-on-excluded",
            "a rule's change is a mapping (a whole rule, or the fields to change) or null to remove the rule",
        ),
        (
            "  strike-on-excluded: {id: other, verdict: violation}\n",
            "4:24: rules.strike-on-excluded.id",
            "rule `strike-on-excluded` is given the id `other`; its id is its key here",
        ),
    ],
)
def test_a_wrong_rule_change_is_one_line_at_the_variant(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rules: str, line: str, message: str
) -> None:
    path = variant(tmp_path, rules)
    assert main(["run", str(DEZ), "--rules", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}:{line}: {message}"), err
    assert len(err.splitlines()) == 1


def test_a_new_rule_lacking_fields_is_refused_there(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = variant(tmp_path, "  new-rule: {when: {act: shelling}, verdict: violation}\n")
    assert main(["run", str(DEZ), "--rules", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {path}:4:3: rules.new-rule: `{field}` is required" for field in ("clause", "priority", "explanation")
    ]


@pytest.mark.parametrize(
    ("rules", "line", "message"),
    [
        (
            "  attack-on-civilians: {when: null}\n",
            "4:25: rules.attack-on-civilians.when",
            "`when: null` removes the rule's condition, and a rule needs one; give a condition, or remove the rule "
            "with `attack-on-civilians: null`",
        ),
        (
            "  strike-on-excluded:\n    priority: null\n",
            "5:5: rules.strike-on-excluded.priority",
            "`priority: null` removes the rule's `priority`, and a rule needs one; give a priority, or remove the "
            "rule with `strike-on-excluded: null`",
        ),
        (  # the rules before it taken away: the rule is named by its id, not its new place
            "  outside-window: null\n  outside-scope: null\n  attack-on-civilians: {explanation: null}\n",
            "6:25: rules.attack-on-civilians.explanation",
            "`explanation: null` removes the rule's `explanation`, and a rule needs one; give an explanation, or "
            "remove the rule with `attack-on-civilians: null`",
        ),
    ],
)
def test_a_null_that_takes_away_what_a_rule_needs_is_refused_at_the_null(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, rules: str, line: str, message: str
) -> None:
    path = variant(tmp_path, rules)
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: {path}:{line}: {message}"]


@pytest.mark.parametrize(
    ("change", "line", "path"),
    [
        ("acts: null\n", "3:1", "acts"),
        ("window: {from: null}\n", "3:10", "window.from"),
        ("parties:\n  russia:\n    name: null\n", "5:5", "parties.russia.name"),
    ],
)
def test_a_null_that_takes_away_what_a_ruleset_needs_is_refused_at_the_null(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, change: str, line: str, path: str
) -> None:
    file = write(tmp_path / "v.yaml", f"extends: syria-2016-09\nid: syria-2016-09-v\n{change}")
    assert main(["check", str(file)]) == 2
    field = path.rpartition(".")[2]
    assert capsys.readouterr().err.splitlines() == [
        f"error: {file}:{line}: {path}: `{field}: null` removes `{field}`, which is required here; leave it out to "
        "keep the base's, or give another"
    ]


def test_a_null_in_a_variant_a_variant_extends_is_refused_at_that_null(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mid = variant(tmp_path, "  attack-on-civilians:\n    when: null\n", "mid.yaml")
    # the top one takes a rule before it away: the rule's place changes, its id and the `null`'s line do not
    top = write(tmp_path / "top.yaml", "extends: mid.yaml\nid: top\nrules:\n  outside-window: null\n")
    assert main(["check", str(top)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {mid}:5:5: rules.attack-on-civilians.when: `when: null` removes the rule's condition, and a rule "
        f"needs one; give a condition, or remove the rule with `attack-on-civilians: null` (in the base that "
        f"`{top}` extends)"
    ]
    # given again on top, it is no longer missing
    write(top, "extends: mid.yaml\nid: top\nrules:\n  attack-on-civilians:\n    when: {act: airstrike}\n")
    rules = {r.id: r for r in load_ruleset(top).ruleset.rules}
    assert rules["attack-on-civilians"].when == {"act": "airstrike"}


BROKEN_BASE = (ROOT / "tests" / "fixtures" / "invalid" / "ruleset-missing-field.yaml").read_text()


def test_an_error_only_the_base_has_is_at_the_base_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = write(tmp_path / "broken.yaml", BROKEN_BASE)
    path = write(tmp_path / "v.yaml", "extends: broken.yaml\nid: v\npolicy: {}\n")
    assert main(["check", str(base)]) == 2  # the base alone: its rules by their places, as its file lists them
    assert capsys.readouterr().err.splitlines() == [f"error: {base}:14:5: rules[0]: `verdict` is required"]
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {base}:14:5: rules.attack-on-covered-party: `verdict` is required (in the base that `{path}` extends)"
    ]


def test_an_error_at_the_base_that_only_the_variant_makes_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # the base's rule tests an act the variant takes away: right in the base, wrong in the variant
    path = write(tmp_path / "v.yaml", "extends: syria-2016-09\nid: syria-2016-09-v\nacts:\n  airstrike: null\n")
    assert main(["run", str(DEZ), "--rules", str(path)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "syria-2016-09.yaml:" in line.partition(": rules.")[0]
    assert ": rules.air-combat-in-agreed-areas.when.act: `act` cannot be `airstrike`; expected one of " in line
    assert line.endswith(f" (in the base that `{path}` extends, and wrong only with the changes made to it)")


def test_check_warns_at_the_variant_when_a_list_replaces_every_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # one rule as a list: valid, and every other rule of the base gone, which `check` passed in silence
    listed = "".join(f"  - {json.dumps(r.model_dump())}\n" for r in load_ruleset("syria-2016-09").ruleset.rules[:1])
    path = variant(tmp_path, listed)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().err
    assert (
        f"warning: {path}:3:1: rules: a list of rules replaces all {len(BASE_IDS)} rules of `syria-2016-09`; "
        "to change some, give `rules` as a mapping by rule id"
    ) in out
    assert main(["check", "--strict", str(variant(tmp_path, NEW_RULE, "by-id.yaml"))]) == 0  # by id: nothing to say
    assert "no problems" in capsys.readouterr().out


def test_a_warning_about_a_rule_the_variant_gave_points_at_the_variant(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # a rule after `outside-window` (priority 5) that holds only when it does can never decide
    path = variant(
        tmp_path,
        "  never:\n    clause: c\n    priority: 90\n    when: {in_window: false}\n"
        "    verdict: violation\n    explanation: e\n",
    )
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().err
    assert f"warning: {path}:4:3: rules.never: rule `never` can never decide: rule `outside-window`" in out
    # a field the variant changed is placed at the variant; a field it left, at the base
    loaded = ruleset_from(parse_yaml(path.read_text(), str(path)), path)
    assert loaded.document.locate(("rules", 20, "when"))[0] == str(path)
    assert Path(loaded.document.locate(("rules", 0, "when"))[0]).resolve() == (RULES / "syria-2016-09.yaml").resolve()


def test_set_addresses_a_rule_the_variant_added_by_its_id(tmp_path: Path) -> None:
    path = variant(tmp_path, NEW_RULE)
    rules = load_ruleset(path, sets=["rules.airstrike-on-non-party.verdict=permitted"]).ruleset.rules
    assert rules[-1].id == "airstrike-on-non-party" and rules[-1].verdict == "permitted"


def test_check_warns_when_a_file_is_named_unlike_its_id(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    other = write(tmp_path / "other.yaml", "extends: syria-2016-09\nid: syria-2016-09-held\n")
    held = write(tmp_path / "held.yaml", "extends: syria-2016-09\nid: syria-2016-09-held\n")
    assert main(["check", "--strict", str(held)]) == 0  # a variant may drop its base's id from its name
    assert "no problems" in capsys.readouterr().out
    assert main(["check", str(other)]) == 0
    out = capsys.readouterr().err
    assert (
        f"warning: {other}:2:1: id: id `syria-2016-09-held` differs from the file name `other.yaml`; "
        "name the file `held.yaml` or `syria-2016-09-held.yaml`"
    ) in out


def test_set_null_takes_a_rule_away_by_its_id_as_a_variant_null_does(tmp_path: Path) -> None:
    base = load_ruleset("syria-2016-09")
    removed = load_ruleset("syria-2016-09", sets=["rules.actor-not-bound=null"])
    assert [r.id for r in removed.ruleset.rules] == [r.id for r in base.ruleset.rules if r.id != "actor-not-bound"]
    path = write(
        tmp_path / "drop.yaml", "extends: syria-2016-09\nid: syria-2016-09-drop\nrules:\n  actor-not-bound: null\n"
    )
    assert load_ruleset(path).ruleset.rules == removed.ruleset.rules
