"""Spellings by pattern: matched whole, ignoring case and runs of spaces; exact aliases first; never guessed; some
valid only between days, which makes what a spelling names depend on when it was told."""

from __future__ import annotations

import re
from typing import Any

import pytest

from engine import evaluate, load_ruleset
from engine.evaluation.facts import Resolver, facts, told
from engine.incidents.frame import frame_of
from engine.incidents.model import Incident
from engine.ruleset.compile import Compiled, compile_ruleset
from engine.ruleset.model import Ruleset
from engine.ruleset.spellings import sample, spaced
from tests.conftest import ENGINES, ROOT

BASE: dict[str, Any] = {
    "id": "t",
    "title": "test truce",
    "agreement": {"name": "test"},
    "timezone": "Asia/Damascus",
    "window": {"from": "2024-11-27T04:00:00+03:00"},
    "parties": {
        "army": {
            "name": "Syrian government forces",
            "role": "covered",
            "side": "government",
            "aliases": ["SAA"],
            "patterns": [
                {
                    "pattern": r"Military Forces of Syria \(2000-(2024)?\)( .+)?",
                    "from": "2000-01-01",
                    "until": "2024-12-09",
                }
            ],
        },
        "authorities": {
            "name": "Syrian transitional authorities",
            "role": "covered",
            "side": "government",
            "patterns": [{"pattern": r"Military Forces of Syria \(2024-\)( .+)?", "from": "2024-12-08"}],
        },
        "rebels": {"name": "Rebels", "role": "covered", "side": "opposition", "patterns": [r".*Rebels.*"]},
        "isis": {
            "name": "Islamic State",
            "role": "excluded",
            "aliases": ["Rebels of Dawn"],
            "patterns": [r".* \(IS\)"],
        },
    },
    "civilians": {"patterns": [r"Civilians \([^()]+\)"]},
    "acts": {"shelling": {"hostile": True}},
    "rules": [{"id": "r", "clause": "c", "priority": 1, "when": "always", "verdict": "violation", "explanation": "x"}],
}


def build(**changed: Any) -> tuple[Compiled, list[str]]:
    compiled, problems = compile_ruleset(Ruleset.model_validate({**BASE, **changed}), "t.yaml")
    return compiled, [f"{p.path}: {p.message}" for p in problems]


def ruleset() -> Compiled:
    compiled, problems = build()
    assert problems == []
    return compiled


@pytest.mark.parametrize(
    ("spelling", "party"),
    [
        ("Rebels", "rebels"),
        ("Free Syrian Rebels", "rebels"),
        ("free   syrian\trebels", "rebels"),  # runs of white space are one space, and case is ignored
        ("  Rebels ", "rebels"),
        ("Civilians (Syria)", "civilians"),
        ("CIVILIANS (INTERNATIONAL)", "civilians"),
        ("Civilians (Syria) (Idlib)", None),  # the whole spelling must match
        ("The Civilians (Syria)", None),
        ("Civilians (Syria", None),
        ("Rebels of Dawn", "isis"),  # an exact alias wins over a pattern
        ("rebels-of-dawn", "isis"),  # compared as aliases are: punctuation and spacing ignored
        ("Fighters (IS)", "isis"),
        ("Rebels (IS)", None),  # rebels' and isis' patterns both match: not guessed
    ],
)
def test_a_pattern_matches_the_whole_spelling_ignoring_case_and_runs_of_spaces(
    spelling: str, party: str | None
) -> None:
    reading = ruleset().read_name(spelling)
    assert (reading.entry[0] if reading.entry else None) == party


def test_a_spelling_two_parties_patterns_match_names_neither_and_says_which_patterns() -> None:
    reading = ruleset().read_name("Rebels (IS)")
    assert (reading.entry, reading.how) == (None, "ambiguous")
    assert [(p.owner, p.text) for p in reading.patterns] == [("rebels", ".*Rebels.*"), ("isis", r".* \(IS\)")]
    assert reading.why == r"matches patterns of more than one party or class: `.*Rebels.*` (rebels), `.* \(IS\)` (isis)"


@pytest.mark.parametrize(
    ("spelling", "time", "party"),
    [
        ("Military Forces of Syria (2000-)", "2016-09-17T16:00:00+03:00", "army"),
        ("Military Forces of Syria (2000-) Air Force", "2016-09-17", "army"),
        ("Military Forces of Syria (2000-2024) Prison Guards", "2024-12-08T23:59:59+03:00", "army"),
        ("Military Forces of Syria (2000-2024)", "2024-12-08", "army"),  # the last day, whole
        ("Military Forces of Syria (2000-2024)", "2024-12-09T00:00:00+03:00", None),  # `until` is exclusive
        ("Military Forces of Syria (2000-2024)", "2024-12-08T21:00:00Z", None),  # the same instant
        ("Military Forces of Syria (2000-2024)", "2024-12-08T20:59:59Z", "army"),
        ("Military Forces of Syria (2000-2024)", "2024-12", None),  # a month across the end
        ("Military Forces of Syria (2000-2024)", "2024-12-01/2024-12-09", None),  # a span across it
        ("Military Forces of Syria (2000-2024)", "1999-12-31", None),  # before `from`
        ("Military Forces of Syria (2000-2024)", "2000-01-01", "army"),  # `from` is inclusive
        ("Military Forces of Syria (2000-2024)", None, None),  # no time told: cannot say
        ("Military Forces of Syria (2024-)", "2025-01-10", "authorities"),
        ("Military Forces of Syria (2024-)", "2024-12-08", "authorities"),
        ("Military Forces of Syria (2024-)", "2024-12-07", None),
        ("SAA", None, "army"),  # an exact alias needs no time
    ],
)
def test_a_dated_pattern_names_its_party_only_for_times_wholly_within_its_days(
    spelling: str, time: str | None, party: str | None
) -> None:
    c = ruleset()
    reading = c.read_name(spelling, time)
    assert (reading.entry[0] if reading.entry else None) == party
    assert Resolver(c).name(spelling, time).party == party  # the resolver a fact row is made by says the same


def test_a_dated_spelling_names_nothing_outside_its_days_and_says_why() -> None:
    c = ruleset()
    valid = r"`Military Forces of Syria \(2000-(2024)?\)( .+)?` (army, valid only from 2000-01-01 until 2024-12-09)"
    assert c.read_name("Military Forces of Syria (2000-)", "2025-01-01").why == (
        f"matches only patterns valid between days: {valid}, and the time told lies outside those days"
    )
    assert c.read_name("Military Forces of Syria (2000-)", "2024-12").why.endswith(  # type: ignore[union-attr]
        "and the time told lies across a bound of those days"
    )
    assert c.read_name("Military Forces of Syria (2000-)").why.endswith("and no time is told")  # type: ignore[union-attr]


def test_patterns_of_two_parties_valid_at_other_times_are_not_ambiguous_but_overlapping_ones_are() -> None:
    both = {
        **BASE["parties"],
        "authorities": {
            **BASE["parties"]["authorities"],
            "patterns": [{"pattern": r"Military Forces of Syria .*", "from": "2024-12-08"}],
        },
    }
    c, problems = build(parties=both)
    assert problems == []
    assert c.read_name("Military Forces of Syria (2000-)", "2016-09-17").entry == ("army", "covered", "government")
    assert c.read_name("Military Forces of Syria (2000-)", "2025-01-01").entry[0] == "authorities"  # type: ignore[index]
    on_the_day = c.read_name("Military Forces of Syria (2000-)", "2024-12-08T12:00:00+03:00")
    assert (on_the_day.entry, on_the_day.how) == (None, "ambiguous")  # both valid that day
    assert c.read_name("Military Forces of Syria (2000-)").how == "ambiguous"  # no time: either could be meant


def test_the_days_of_a_pattern_are_read_in_the_rulesets_zone_or_at_the_windows_offset() -> None:
    zoneless = {k: v for k, v in BASE.items() if k != "timezone"} | {"window": {"from": "2024-11-27T04:00:00+05:00"}}
    c, problems = compile_ruleset(Ruleset.model_validate(zoneless), "t.yaml")
    assert problems == []
    (army,) = [p for p in c.patterns if p.owner == "army"]
    assert army.until is not None and army.until.isoformat() == "2024-12-08T19:00:00+00:00"  # midnight at +05:00
    (army,) = [p for p in ruleset().patterns if p.owner == "army"]
    assert army.until is not None and army.until.isoformat() == "2024-12-08T21:00:00+00:00"  # midnight in Damascus


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        (
            [r"Military Forces of Syria (2000-"],
            "parties.army.patterns[0]: `Military Forces of Syria (2000-` is not a regular expression: missing ), "
            "unterminated subpattern at position 25; write a Python regular expression, with `\\` before a literal "
            "( ) [ ] . + * ? |, like `Military Forces of Syria \\(2000-\\)`",
        ),
        (
            [{"pattern": "x+", "from": "2024-12-09", "until": "2024-12-09"}],
            "parties.army.patterns[0].until: `until` 2024-12-09 is not after `from` 2024-12-09; write a later day, "
            "or swap them",
        ),
        (
            ["(Army)?"],
            "parties.army.patterns[0]: `(Army)?` matches an empty spelling; a pattern must require at least one letter",
        ),
        (
            ["SAA", {"pattern": "[z-a]"}],
            "parties.army.patterns[1].pattern: `[z-a]` is not a regular expression: bad character range z-a at "
            "position 1; write a Python regular expression, with `\\` before a literal ( ) [ ] . + * ? |, like "
            "`Military Forces of Syria \\(2000-\\)`",
        ),
    ],
)
def test_a_pattern_that_cannot_be_read_is_a_problem_at_its_path(patterns: list[Any], message: str) -> None:
    parties = {**BASE["parties"], "army": {**BASE["parties"]["army"], "patterns": patterns}}
    assert build(parties=parties)[1] == [message]


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2024-02-30", "`2024-02-30` is not a real date (day is out of range for month); write one like 2024-12-08"),
        ("2024-12", "`2024-12` is not a day; write one like 2024-12-08"),
        ("2024-12-08T00:00:00+03:00", "`2024-12-08T00:00:00+03:00` is not a day; write one like 2024-12-08"),
        ("0001-01-01", "`0001-01-01` is out of range; expected a year from 3 to 9997"),
    ],
)
def test_a_pattern_day_is_an_iso_day(day: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Ruleset.model_validate(
            {
                **BASE,
                "parties": {
                    **BASE["parties"],
                    "army": {**BASE["parties"]["army"], "patterns": [{"pattern": "x", "from": day}]},
                },
            }
        )


def test_the_fact_table_resolves_each_row_at_its_own_time_like_one_row_at_a_time() -> None:
    c = ruleset()
    times = [None, "2016-09-17", "2024-12-08", "2024-12-09", "2024-12", "2025-03-01T10:00:00+03:00", "1999-06-01"]
    spellings = ["Military Forces of Syria (2000-)", "Military Forces of Syria (2024-) Navy", "SAA", "Rebels (IS)"]
    incidents = [
        Incident(id=f"i{n}", time=t, actor=a, target=spellings[(n + 1) % len(spellings)], act="shelling")
        for n, (t, a) in enumerate((t, a) for t in times for a in spellings)
    ]
    table, resolution = facts(c, told(frame_of(incidents)))
    resolver = Resolver(c)
    for row in table.iter_rows(named=True):
        for who in ("actor", "target"):
            one = resolver.name(row[who], row["time"])
            assert (row[f"{who}.party"], row[f"{who}.role"]) == (one.party, one.role), (row[who], row["time"])
            assert resolution.names[row[f"{who}.code"]] == one
    # a dated spelling is worked out once per way its times lie against its days, not once per row
    assert len(resolution.names) < len(incidents)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_dated_spelling_decides_the_verdict_by_when_it_was_told(engine: str) -> None:
    c = ruleset()
    told_at = ["2024-12-01T10:00:00+03:00", "2024-12-20T10:00:00+03:00", "2024-12"]
    incidents = [
        Incident(id=f"i{n}", time=t, actor="Military Forces of Syria (2000-2024)", act="shelling", target="Rebels")
        for n, t in enumerate(told_at)
    ]
    verdicts = evaluate(c, incidents, engine)
    assert [v.flags for v in verdicts] == [
        ("covered_party_harmed",),
        ("actor_unresolved", "covered_party_harmed"),
        ("actor_unresolved", "covered_party_harmed"),
    ]


SHIPPED = ["syria-2016-02", "syria-2016-09"]


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize(
    ("spelling", "party"),
    [
        # UCDP GED
        ("Government of Syria", "syrian-government"),
        ("Government of Russia (Soviet Union)", "russia"),
        ("IS", "isis"),
        ("Syrian insurgents", "opposition"),
        ("Civilians", "civilians"),
        # ACLED
        ("Military Forces of Syria (2000-)", "syrian-government"),
        ("Military Forces of Syria (2000-2024)", "syrian-government"),
        ("Military Forces of Syria (2000-) Air Force", "syrian-government"),
        ("Military Forces of Syria (2000-) Prison Guards", "syrian-government"),
        ("Military Forces of Syria (2000-2024) Republican Guard", "syrian-government"),
        ("Police Forces of Syria (2000-)", "syrian-government"),
        ("QDW: National Defense Forces", "syrian-government"),
        ("Militia (Pro-Government)", "syrian-government"),
        ("Military Forces of Russia (2000-)", "russia"),
        ("Military Forces of Russia (2000-) Air Force", "russia"),
        ("Islamic State (Syria)", "isis"),
        ("Islamic State (Iraq)", "isis"),
        ("JFS: Jabhat Fateh al-Sham", "jfs"),
        ("Jabhat al Nusra", "jfs"),
        ("Opposition Rebels (Syria)", "opposition"),
        ("Civilians (Syria)", "civilians"),
        ("Civilians (International)", "civilians"),
        ("Unidentified Armed Group (Syria)", "unidentified"),
        ("Unidentified Communal Militia (Syria)", "unidentified"),
        ("Military Forces of the United States (2009-2017)", "coalition"),
        ("Military Forces of Turkey (2016-)", "turkey"),
        ("SDF: Syrian Democratic Forces", "sdf"),
        # the September window is 2016: HTS was formed only in January 2017
        ("HTS: Hayat Tahrir al Sham", None),
        ("Military Forces of Syria (2024-)", None),  # the forces of the authorities after December 2024
    ],
)
def test_the_shipped_rulesets_read_acled_and_ucdp_names(name: str, spelling: str, party: str | None) -> None:
    reading = load_ruleset(name).read_name(spelling, "2016-09-15T12:00:00+03:00")
    assert (reading.entry[0] if reading.entry else None) == party, reading.why


def test_hts_names_jfs_from_the_day_it_was_formed() -> None:
    february = load_ruleset("syria-2016-02")  # its window has no end
    assert february.read_name("HTS: Hayat Tahrir al Sham", "2017-01-27").entry is None
    assert february.read_name("HTS: Hayat Tahrir al-Sham", "2017-03-01").entry == ("jfs", "excluded", None)
    assert february.read_name("Military Forces of Syria (2000-2024)", "2025-01-01").how == "dated"
    assert february.read_name("Military Forces of Syria (2000-)", "2025-01-01").how == "alias"  # read at any time


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize(
    ("act", "hostile"),
    [
        ("Armed clash", True),
        ("Air/drone strike", True),
        ("Shelling/artillery/missile attack", True),
        ("Remote explosive/landmine/IED", True),
        ("Grenade", True),
        ("Suicide bomb", True),
        ("Chemical weapon", True),
        ("Attack", True),
        ("Abduction/forced disappearance", True),
        ("Sexual violence", True),
        ("Government regains territory", True),
        ("Non-state actor overtakes territory", True),
        ("Excessive force against protesters", True),
        ("Peaceful protest", False),
        ("Protest with intervention", False),
        ("Violent demonstration", False),
        ("Mob violence", False),
        ("Agreement", False),
        ("Arrests", False),
        ("Change to group/activity", False),
        ("Headquarters or base established", False),
        ("Non-violent transfer of territory", False),
        ("Disrupted weapons use", False),
        ("Looting/property destruction", False),
        ("Other", False),
    ],
)
def test_the_shipped_rulesets_read_every_acled_sub_event_type(name: str, act: str, hostile: bool) -> None:
    assert Resolver(load_ruleset(name)).act(act).hostile is hostile


def test_no_spelling_of_the_shipped_rulesets_is_another_partys() -> None:
    for name in SHIPPED:
        c = load_ruleset(name)
        r = c.ruleset
        for pid, party in r.parties.items():
            for spelling in (party.name, *party.aliases):
                assert c.read_name(spelling).entry[0] == pid, (name, spelling)  # type: ignore[index]
                others = [p for p in c.patterns if p.owner != pid and p.matches(spelling)]
                assert others == [], (name, spelling, [p.text for p in others])


@pytest.mark.parametrize(
    "pattern",
    [
        r"Military Forces of Syria \(2000-(2024)?\)( .+)?",
        r"Civilians \([^()]+\)",
        r"Unidentified (Armed Group|Military Forces)( \([^()]+\))?",
        r"HTS: Hayat Tahrir al[- ]Sham",
        r"(?:JFS|JN): \w+\s+\d{2,4}",
        r"(a|b)\1x",
        r"[^\s]+ Brigade",
    ],
)
def test_sample_makes_a_spelling_the_pattern_matches(pattern: str) -> None:
    regex = re.compile(pattern, re.IGNORECASE)
    made = sample(regex)
    assert made is not None and made == spaced(made) and regex.fullmatch(made)


def test_sample_gives_up_rather_than_guess() -> None:
    assert sample(re.compile(r"a(?=b)", re.IGNORECASE)) is None  # a lookahead it does not follow


def test_every_shipped_pattern_is_tried_by_diff() -> None:
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        for p in load_ruleset(str(path)).patterns:
            assert sample(p.regex) is not None, p.text


@pytest.mark.parametrize("rules", ["syria-2016-02", "syria-2016-09"])
@pytest.mark.parametrize("engine", ENGINES)
def test_force_against_protesters_is_an_attack_on_civilians_in_2016(rules: str, engine: str) -> None:
    # the rulesets call ACLED's lethal force against protesters an attack on civilians: its protesters are civilians
    incident = Incident.model_validate(
        {
            "id": "p",
            "time": "2016-09-14",
            "actor": "Military Forces of Syria (2000-)",
            "act": "Excessive force against protesters",
            "target": "Protesters (Syria)",
            "location": {"country": "Syria", "admin1": "Aleppo"},
        }
    )
    verdict = evaluate(load_ruleset(rules), [incident], engine)[0]
    assert (verdict.verdict, verdict.rule) == ("violation", "attack-on-civilians")


@pytest.mark.parametrize(
    ("pattern", "actor"),
    [
        (r"(a+)+$", "a" * 80 + "b"),  # nested repeats that backtrack without end under `re`
        (r"([A-Za-z]+ ?)+\(Syria\)", "Militia Militia Militia Militia Militia Aleppo Branch"),
    ],
)
def test_nested_repeats_in_a_pattern_do_not_hang_a_run(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], pattern: str, actor: str
) -> None:
    from engine.cli.main import main

    rules, scenario = _pattern_files(tmp_path, pattern, actor)
    assert main(["run", str(scenario), "--rules", str(rules), "-f", "json"]) == 0
    assert '"incident":"i1"' in capsys.readouterr().out


def test_a_pattern_that_takes_too_long_on_a_spelling_is_one_line_and_exit_2(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.cli.main import main
    from engine.ruleset import spellings

    monkeypatch.setattr(spellings, "MATCH_SECONDS", 0.2)
    rules, scenario = _pattern_files(tmp_path, "(a|aa)+c", "a" * 60)
    assert main(["run", str(scenario), "--rules", str(rules)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"error: {rules}") and "parties.isis.patterns[0]" in err[0]
    assert "takes more than 0.2 s to match the spelling `aaaa" in err[0] and "write it without" in err[0]


def _pattern_files(tmp_path: Any, pattern: str, actor: str) -> tuple[Any, Any]:
    """A variant of syria-2016-09 whose ISIS is spelled by `pattern`, and a scenario of one incident by `actor`."""
    rules = tmp_path / "patterned.yaml"
    rules.write_text(
        f"extends: {ROOT / 'rules' / 'syria-2016-09.yaml'}\nid: patterned\n"
        f"parties:\n  isis:\n    patterns: ['{pattern}']\n"
    )
    scenario = tmp_path / "one.yaml"
    scenario.write_text(
        "scenario: one\nincidents:\n  - id: i1\n    time: 2016-09-14T10:00:00+03:00\n"
        f"    actor: '{actor}'\n    act: shelling\n    target: Free Syrian Army\n"
    )
    return rules, scenario
