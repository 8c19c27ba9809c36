"""`ceasefire check`: a warning at every actor, target, act, place and source told that resolves to nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.analysis.check import check_file
from tests.conftest import Cli

WHEN = "time: 2016-09-14T10:00:00+03:00"
# Every name of `one` but its account's `Syrian Army` is misspelled; `two`'s place twice over and an account's
# source once (`SANA` is told before); `three`'s actor is expected to be unresolved, its act and country are not.
SCENARIO = f"""\
scenario: typos
title: t
ruleset: syria-2016-09
incidents:
  - id: one
    {WHEN}
    actor: FSAA
    act: shellng
    target: SAAA
    intended_target: civilans
    location: {{region: Hamaa, admin2: Hamaa}}
    accounts:
      - {{source: SANA, actor: ISISS, act: airstrik}}
      - {{source: CENTCOM, target: Syrian Army}}
  - id: two
    {WHEN}
    actor: FSA
    act: shelling
    target: SAA
    location: {{admin1: Idlb, admin3: Saraqabb}}
    accounts:
      - {{source: SANAA, actor: SAA}}
      - {{source: CENTCOM}}
  - id: three
    {WHEN}
    actor: Jabhat al-Nusraa
    act: shelingg
    target: SAA
    location: {{country: Syra, admin1: Idlib}}
    expect: {{verdict: undetermined, rule: actor-unresolved}}
"""


def warnings(path: Path) -> list[str]:
    checked = check_file(path)
    assert all(p.severity == "warning" for p in checked.problems)
    return [str(p).removeprefix(f"{path}:") for p in checked.problems]


def test_every_name_act_place_and_source_of_a_scenario_is_warned_once(tmp_path: Path) -> None:
    """Each at its own line, in the order of the file's lines."""
    path = tmp_path / "typos.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    assert warnings(path) == [
        # as near the opposition's `FSA` as the government's `SAA`: both are named, with the party each names
        "7:5: incidents[0].actor: `FSAA` resolves to no party or class; did you mean `SAA` (Syrian government forces) "
        "or `FSA` (Armed opposition groups party to the cessation)?",
        "8:5: incidents[0].act: `shellng` is no act the ruleset knows; did you mean `shelling`?",
        "9:5: incidents[0].target: `SAAA` resolves to no party or class; did you mean `SAA` (Syrian government "
        "forces)?",
        "10:5: incidents[0].intended_target: `civilans` resolves to no party or class; did you mean `civilians`?",
        # each part of a place that names no area on its own, however a run places the place
        "11:16: incidents[0].location.region: `Hamaa` is no admin1 area of Syria; did you mean `Hama`?",
        "11:31: incidents[0].location.admin2: `Hamaa` is no admin2 area of Syria; did you mean `Hama`?",
        "13:24: incidents[0].accounts[0].actor: `ISISS` resolves to no party or class; did you mean `ISIS` (Islamic "
        "State)?",
        "13:38: incidents[0].accounts[0].act: `airstrik` is no act the ruleset knows; did you mean `airstrike`?",
        "20:16: incidents[1].location.admin1: `Idlb` is no admin1 area of Syria; did you mean `Idleb`?",
        "20:30: incidents[1].location.admin3: `Saraqabb` is no admin3 area of Syria; did you mean `Saraqab`?",
        "22:10: incidents[1].accounts[0].source: source `SANAA` is told by no other account of the scenario; "
        "did you mean `SANA`?",
        # `three` is expected undetermined by rule actor-unresolved, which tests the actor alone
        "27:5: incidents[2].act: `shelingg` is no act the ruleset knows; did you mean `shelling`?",
        "29:16: incidents[2].location.country: country `Syra` is no country; did you mean `Syria`?",
    ]


def test_a_bare_undetermined_expectation_still_leaves_the_incident_alone(tmp_path: Path) -> None:
    path = tmp_path / "typos.yaml"
    path.write_text(SCENARIO.replace("{verdict: undetermined, rule: actor-unresolved}", "undetermined"))
    assert not any("incidents[2]" in w for w in warnings(path))


def test_sources_told_alike_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "typos.yaml"
    text = SCENARIO.replace("source: SANAA", "source: Russian MoD").replace("source: SANA,", "source: Reuters,")
    path.write_text(text, encoding="utf-8")
    assert not any("source" in w for w in warnings(path))


def test_every_distinct_unresolved_value_of_a_table_once_with_its_first_row_and_count(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(
        "id,time,actor,act,target,admin1,admin2\n"
        f"a1,{WHEN[6:]},Syrian Arab Amry,shellng,FSAA,Alepo,Jebel Saman\n"
        f"a2,{WHEN[6:]},SAA,shelling,FSA,Alepo,Afrin\n"
        f"a3,{WHEN[6:]},Syrian Arab Amry,shellng,FSA,Aleppo,Afrinn\n"
        f"a4,{WHEN[6:]},SAA,shelling,FSA,Idlib,Afrinn\n",
        encoding="utf-8",
    )
    code, out, err = cli("check", str(table), "--rules", "syria-2016-09")
    assert (code, out) == (0, "1 file checked: 5 warnings\n")
    assert [line.removeprefix(f"warning: {table}:") for line in err.splitlines()] == [
        "2: act: `shellng` is no act the ruleset knows (2 incidents, the first `a1`); did you mean `shelling`?",
        "2: actor: `Syrian Arab Amry` resolves to no party or class (2 incidents, the first `a1`); "
        "did you mean `Syrian Arab Army` (Syrian government forces)?",
        # one warning for `Alepo`, whatever district is told with it
        "2: admin1: `Alepo` is no admin1 area of Syria (2 incidents, the first `a1`); did you mean `Aleppo`?",
        "2: target: `FSAA` resolves to no party or class (incident `a1`); did you mean `SAA` (Syrian government "
        "forces) or `FSA` (Armed opposition groups party to the cessation)?",
        "4: admin2: `Afrinn` is no admin2 area of Syria (2 incidents, the first `a3`); did you mean `Afrin`?",
    ]


def test_a_scenario_run_notes_the_incidents_that_name_someone_unresolved(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "egg.yaml"
    told = f"{WHEN}, act: shelling, target: SAA, location: {{admin1: Idlib}}"
    incidents = "".join(f"  - {{id: {i}, actor: {actor}, {told}}}\n" for i, actor in (("a", "EGG"), ("b", "FSA")))
    path.write_text(f"scenario: egg\ntitle: t\nruleset: syria-2016-09\nincidents:\n{incidents}", encoding="utf-8")
    code, out, err = cli("run", str(path), "--format", "json")
    assert code == 0 and out
    assert err == (
        "note: 1 incident inside the truce's scope and window names someone the ruleset cannot resolve; "
        f"`ceasefire names {path}` lists each spelling\n"
    )
    # a --set may name a party: the `names` command given carries the changes, quoted for the shell
    code, _, err = cli("run", str(path), "--set", "parties.opposition.name=Free Army", "--format", "json")
    assert code == 0
    assert err.endswith(f"`ceasefire names {path} --set 'parties.opposition.name=Free Army'` lists each spelling\n")
    code, _, _ = cli("names", str(path), "--set", "parties.opposition.name=Free Army")
    assert code == 0


def test_a_suggested_name_says_the_party_it_names() -> None:
    from engine import load_ruleset
    from engine.analysis.names import Unread

    unread = Unread(load_ruleset("syria-2016-09"))
    # `SNA` (the Syrian National Army, formed after these terms) is one letter from either side's name
    assert unread.name("SNA") == (
        "`SNA` resolves to no party or class; did you mean `SAA` (Syrian government forces) or `FSA` (Armed "
        "opposition groups party to the cessation)?"
    )
    assert unread.name("civilans") == "`civilans` resolves to no party or class; did you mean `civilians`?"
    assert unread.name("Russain Aerospace Forces") == (
        "`Russain Aerospace Forces` resolves to no party or class; did you mean `Russian Aerospace Forces` (Russian "
        "armed forces)?"
    )
    assert unread.name("Wagner Group") == "`Wagner Group` resolves to no party or class"


@pytest.mark.parametrize(
    ("rules", "spelling", "suggested"),
    [
        # misspellings: a letter replaced, left out, doubled or moved, in a short name or a long one
        ("syria-2016-09", "SNA", "`SAA` (Syrian government forces) or `FSA` (Armed opposition groups party to the "
         "cessation)"),
        ("syria-2016-09", "ISISS", "`ISIS` (Islamic State)"),
        ("syria-2016-09", "civilans", "`civilians`"),
        ("syria-2016-09", "Jabhat al-Nusr", "`Jabhat al-Nusra` (Jabhat Fateh al-Sham)"),
        ("syria-2016-09", "jabhat al nusr", "`Jabhat al-Nusra` (Jabhat Fateh al-Sham)"),  # as names match
        ("syria-2016-09", "Syrian Arab Amry", "`Syrian Arab Army` (Syrian government forces)"),
        ("syria-2016-09", "Russain Aerospace Forces", "`Russian Aerospace Forces` (Russian armed forces)"),
        ("syria-2016-09", "Military Forces of Russia", "`Military Forces of Russia (2000-)` (Russian armed forces)"),
        ("idlib-2020-03", "Hezbolah", "`Hezbollah`"),
        ("idlib-2020-03", "Hizbolah", "`Hezbollah`"),
        # other words of like letters, which difflib's ratio alone took for misspellings
        ("syria-2016-09", "militants", None),  # was `civilians`
        ("syria-2016-09", "Rebel Forces", None),  # was `regime forces`, the government's
        ("syria-2016-09", "Syrian rebels", None),  # was `Syrian army`
        ("syria-2016-09", "Syrian National Army", None),  # was `Syrian Arab Army`
        ("syria-2016-09", "Kurdish militia", None),  # was `Turkish military`
        ("syria-2016-09", "Government", None),  # was `Government of Syria`, one government of five
        ("idlib-2020-03", "militants", None),
        ("syria-2016-09", "US", None),  # one letter from `IS` of two
        ("syria-2016-09", "Wagner Group", None),
    ],
)  # fmt: skip
def test_a_name_is_suggested_where_it_could_be_misspelled_as_told(
    rules: str, spelling: str, suggested: str | None
) -> None:
    from engine import load_ruleset
    from engine.analysis.names import Unread

    hint = f"; did you mean {suggested}?" if suggested else ""
    assert Unread(load_ruleset(rules)).name(spelling) == f"`{spelling}` resolves to no party or class{hint}"


def test_a_spelling_is_shown_cut_and_with_its_reordering_marks_escaped() -> None:
    from engine import load_ruleset
    from engine.analysis.names import Unread
    from engine.errors import Problem

    unread = Unread(load_ruleset("syria-2016-09"))
    assert unread.name("A" * 10_000) == f"`{'A' * 37}...` resolves to no party or class"
    # U+202E would show the rest of the line backwards: a message reads as it is
    assert str(Problem("t.csv", unread.name("\u202eXYZ") or "")) == "t.csv: `\\u202eXYZ` resolves to no party or class"
