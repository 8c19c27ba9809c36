"""Places as real data writes them: understood, or unknown and said so, never silently misread."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import Incident, evaluate
from engine.evaluation.facts import Resolver
from engine.places.countries import country_code
from engine.places.gazetteer import gazetteer, place_key
from engine.ruleset.compile import Compiled, compile_ruleset
from engine.ruleset.model import Ruleset
from tests.conftest import ENGINES, ROOT, Cli, ruleset

SEPTEMBER = "syria-2016-09"
HELD = str(ROOT / "rules" / "variants" / "truce-held.yaml")
SHELLING = {"time": "2016-09-14T10:00:00+03:00", "actor": "Syrian Arab Army", "act": "shelling", "target": "FSA"}


def judged(compiled: Compiled, engine: str, **told: Any) -> tuple[str, str | None]:
    (v,) = evaluate(compiled, [Incident.model_validate({"id": "i", **told})], engine)
    return v.verdict, v.rule


def truce(scope: dict[str, Any], **extra: Any) -> Compiled:
    """The September ruleset with another scope (and areas, places)."""
    base = ruleset(SEPTEMBER).ruleset.model_dump(by_alias=True, exclude_none=True)
    data = {**base, "scope": scope, **extra}
    compiled, problems = compile_ruleset(Ruleset.model_validate(data), "t.yaml")
    assert problems == []
    return compiled


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("admin1", ["Aleppo governorate", "Halab", "حلب", "ALEPPO Province"])
def test_a_syrian_airstrike_in_aleppo_however_written_is_in_the_agreed_areas(engine: str, admin1: str) -> None:
    # After seven quiet days (13-19 Sep), in the truce as if it had held, the JIC's air ban applies.
    strike = {**SHELLING, "time": "2016-09-20T10:00:00+03:00", "actor": "Syrian Air Force", "act": "airstrike"}
    strike["target"] = "JFS"
    assert judged(ruleset(HELD), engine, **strike, location={"admin1": admin1}) == (
        "violation",
        "air-combat-in-agreed-areas",
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("told", ["Idlib", "Idleb", "Edlib", "إدلب", "Idlib province"])
def test_shelling_in_idlib_is_inside_a_scope_that_lists_idleb(engine: str, told: str) -> None:
    compiled = truce({"country": "Syria", "regions": ["Idleb"]}, places={"Idleb": ["Edlib"]})
    assert judged(compiled, engine, **SHELLING, location={"admin1": told}) == ("violation", "attack-on-covered-party")
    assert judged(compiled, engine, **SHELLING, location={"admin1": "Hama"}) == ("not_covered", "outside-scope")


@pytest.mark.parametrize("engine", ENGINES)
def test_without_a_gazetteer_generic_words_are_ignored_luhansk_oblast_is_luhansk(engine: str) -> None:
    compiled = truce({"country": "Ukraine", "regions": ["Luhansk", "Donetsk"]}, places={"Luhansk": ["Luhanska"]})
    assert compiled.places.gazetteer is None
    for told in ("Luhansk Oblast", "Luhanska oblast", "luhansk region"):
        place = {"admin1": told, "country": "Ukraine"}
        assert judged(compiled, engine, **SHELLING, location=place) == ("violation", "attack-on-covered-party")
    # a region the scope names places the incident in its country, as the gazetteer does for Syria
    assert judged(compiled, engine, **SHELLING, location={"admin1": "Donetsk Oblast"})[0] == "violation"
    # outside the regions listed, in Ukraine or not
    assert judged(compiled, engine, **SHELLING, location={"admin1": "Kharkiv Oblast"}) == (
        "not_covered",
        "outside-scope",
    )


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("country", ["Syria", "Syrian Arab Republic", "SY", "SYR", "760", "syria"])
def test_a_country_by_name_official_name_or_iso_code_is_inside_a_syria_scope(engine: str, country: str) -> None:
    assert judged(ruleset(SEPTEMBER), engine, **SHELLING, location={"country": country})[0] == "violation"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_coalition_strike_in_nineveh_is_not_a_syria_violation(engine: str) -> None:
    strike = {**SHELLING, "actor": "US-led coalition", "act": "airstrike", "target": "civilians"}
    compiled = ruleset(SEPTEMBER)
    assert judged(compiled, engine, **strike, location={"admin1": "Nineveh"}) == ("undetermined", "place-unknown")
    assert judged(compiled, engine, **strike, location={"admin1": "Nineveh", "country": "Iraq"}) == (
        "not_covered",
        "outside-scope",
    )
    assert judged(compiled, engine, **strike) == ("undetermined", "place-unknown")  # no place at all
    assert judged(compiled, engine, **strike, location={"admin1": "Raqqa"}) == ("violation", "attack-on-civilians")


def test_a_place_that_resolves_to_nothing_says_what_it_might_be() -> None:
    spot = Resolver(ruleset(SEPTEMBER)).place(("Sirya", None, None, None, None, None, None))
    assert (
        spot.in_scope is None
        and spot.why == "the place is unknown: country `Sirya` is no country; did you mean `Syria`?"
    )
    spot = Resolver(ruleset(SEPTEMBER)).place((None, "Alepo", None, None, None, None, None))
    assert spot.in_scope is None and "`Alepo` is no admin1 area of Syria; did you mean `Aleppo`?" in spot.why


@pytest.mark.parametrize("engine", ENGINES)
def test_a_scope_with_included_districts_and_an_excluded_one(engine: str) -> None:
    """All of Idleb; of Aleppo only Jebel Saman (the city) and Afrin, but not Afrin's Jandairis."""
    compiled = truce(
        {
            "country": "Syria",
            "include": [{"admin1": "Idleb"}, {"admin2": ["Jebel Saman", "Afrin"]}],
            "exclude": [{"admin3": "Jandairis"}],
        }
    )
    cases = [
        ({"admin1": "Idlib"}, "violation"),
        ({"admin2": "Jebel Saman"}, "violation"),
        ({"admin1": "Aleppo", "admin2": "Afrin", "admin3": "Afrin"}, "violation"),
        ({"admin2": "Afrin", "admin3": "Jandairis"}, "not_covered"),
        ({"admin2": "Al Bab"}, "not_covered"),
        ({"admin1": "Hama"}, "not_covered"),
        ({"admin1": "Aleppo"}, "undetermined"),  # which district of Aleppo cannot be told
        ({"admin2": "Afrin"}, "undetermined"),  # Jandairis lies in Afrin
        ({"admin1": "Idleb", "admin2": "Jebel Saman"}, "undetermined"),  # Jebel Saman is not in Idleb
        ({"admin1": "Idleb", "admin3": "Jandairis"}, "undetermined"),  # nor Jandairis, with no admin2 between
        ({"admin1": "Aleppo", "admin3": "Jandairis"}, "not_covered"),
    ]
    for place, verdict in cases:
        assert judged(compiled, engine, **SHELLING, location=place)[0] == verdict, place


@pytest.mark.parametrize("engine", ENGINES)
def test_a_finer_name_no_area_has_leaves_the_place_where_the_levels_above_put_it(engine: str) -> None:
    """A sub-district no gazetteer area has is passed over, and flagged: the district and governorate told place
    the incident, and only what depends on the sub-district is unknown. Nothing known: the place is unknown."""
    compiled = truce(
        {
            "country": "Syria",
            "include": [{"admin1": "Idleb"}, {"admin2": ["Jebel Saman", "Afrin"]}],
            "exclude": [{"admin3": "Jandairis"}],
        }
    )
    cases = [
        ({"admin1": "Idlib", "admin3": "Kafr Nowhere"}, ("violation", "attack-on-covered-party")),
        ({"admin2": "Al Bab", "admin3": "Kafr Nowhere"}, ("not_covered", "outside-scope")),
        ({"admin2": "Afrin", "admin3": "Kafr Nowhere"}, ("undetermined", "place-unknown")),  # it may be Jandairis
        ({"admin3": "Kafr Nowhere"}, ("undetermined", "place-unknown")),
        # a coarser name no area has, under a finer one known: which is right cannot be told
        ({"admin1": "Aleppo", "admin2": "Afrinn", "admin3": "Jandairis"}, ("undetermined", "place-unknown")),
        ({"admin1": "Hatay", "admin2": "Harim"}, ("undetermined", "place-unknown")),
        ({"admin1": "Idlib", "admin2": "Harim"}, ("violation", "attack-on-covered-party")),  # all read: no flag
    ]
    for place, decided in cases:
        (v,) = evaluate(compiled, [Incident.model_validate({"id": "i", **SHELLING, "location": place})], engine)
        assert (v.verdict, v.rule) == decided, place
        assert ("place_unresolved" in v.flags) == (place != {"admin1": "Idlib", "admin2": "Harim"}), place
    unknown = Resolver(compiled).place((None, "Hatay", "Harim", None, None, None, None))
    assert unknown.why.startswith("the place is unknown: `Hatay` is no admin1 area of Syria")
    spot = Resolver(compiled).place((None, "Idlib", None, "Kafr Nowhere", None, None, None))
    assert spot.in_scope is True and spot.place.unread is not None
    assert spot.place.unread.startswith("`Kafr Nowhere` is no admin3 area of Syria")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_name_of_several_areas_is_the_one_the_levels_above_it_fit(engine: str) -> None:
    """Suran is a sub-district of Hama and one of Aleppo: told with its governorate, it is that one."""
    compiled = truce({"country": "Syria", "regions": ["Hama"]})
    cases = [
        ({"admin1": "Hama", "admin3": "Suran"}, ("violation", "attack-on-covered-party")),
        ({"admin1": "Hama", "admin2": "Hama", "admin3": "Suran"}, ("violation", "attack-on-covered-party")),
        ({"admin1": "Aleppo", "admin3": "Suran"}, ("not_covered", "outside-scope")),
        ({"admin3": "Suran"}, ("undetermined", "place-unknown")),  # which one cannot be told
        ({"admin1": "Idlib", "admin3": "Suran"}, ("undetermined", "place-unknown")),  # neither lies in Idlib
    ]
    for place, decided in cases:
        assert judged(compiled, engine, **SHELLING, location=place) == decided, place
    spot = Resolver(compiled).place((None, None, None, "Suran", None, None, None))
    assert spot.why == "the place is unknown: `Suran` names 2 admin3 areas; name the area above it too"


SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0], [36.0, 35.0]]],
            },
        }
    ],
}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_polygon_scope_with_points_inside_outside_and_straddling_its_edge(engine: str, tmp_path: Path) -> None:
    compiled = truce({"country": "Syria", "geojson": SQUARE})
    inside = {"country": "Syria", "latitude": 35.5, "longitude": 36.5}
    assert judged(compiled, engine, **SHELLING, location={"latitude": 35.5, "longitude": 36.5})[0] == "undetermined"
    assert judged(compiled, engine, **SHELLING, location=inside)[0] == "violation"
    assert judged(compiled, engine, **SHELLING, location={"latitude": 35.5, "longitude": 38.5})[0] == "not_covered"
    edge = {"country": "Syria", "latitude": 35.5, "longitude": 36.99, "precision_km": 25.0}  # 25 km reaches past 37°E
    assert judged(compiled, engine, **SHELLING, location=edge) == ("undetermined", "place-unknown")
    assert judged(compiled, engine, **SHELLING, location={**edge, "precision_km": 0.5})[0] == "violation"
    assert judged(compiled, engine, **SHELLING, location={"admin1": "Hama"}) == ("undetermined", "place-unknown")
    # the same polygon, in a file beside the ruleset
    (tmp_path / "square.geojson").write_text(json.dumps(SQUARE))
    base = ruleset(SEPTEMBER).ruleset.model_dump(by_alias=True, exclude_none=True)
    from_file, problems = compile_ruleset(
        Ruleset.model_validate({**base, "scope": {"geojson": "square.geojson"}}), str(tmp_path / "r.yaml")
    )
    assert problems == []
    assert judged(from_file, engine, **SHELLING, location=inside)[0] == "violation"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_named_area_is_a_field_rules_test(engine: str) -> None:
    areas = {
        "agreed": {"include": [{"admin1": ["Aleppo", "Idleb"]}]},
        "castello": {"include": [{"admin3": "Jebel Saman"}]},
        "south": {"include": [{"admin1": ["Dar'a", "Quneitra"]}]},
    }
    rule = {
        "id": "south-shelling",
        "clause": "c",
        "priority": 44,
        "when": {"area.south": True, "act": "shelling"},
        "verdict": "violation",
        "explanation": "e",
    }
    base = ruleset(SEPTEMBER).ruleset.model_dump(by_alias=True, exclude_none=True)
    compiled, problems = compile_ruleset(
        Ruleset.model_validate({**base, "areas": areas, "rules": [*base["rules"], rule]})
    )
    assert problems == []
    assert compiled.columns[-3:] == ("area.castello", "area.south", "phase")
    assert judged(compiled, engine, **SHELLING, location={"admin1": "Deraa"}) == ("violation", "south-shelling")
    assert judged(compiled, engine, **SHELLING, location={"admin1": "Hama"}) == ("violation", "attack-on-covered-party")


def test_rule_values_and_scopes_are_checked_against_the_gazetteer() -> None:
    base = ruleset(SEPTEMBER).ruleset.model_dump(by_alias=True, exclude_none=True)
    bad = {**base, "scope": {"country": "Sirya"}}
    _, problems = compile_ruleset(Ruleset.model_validate(bad), "t.yaml")
    assert [(p.path, p.message) for p in problems] == [
        ("scope.country", "`Sirya` is no country; did you mean `Syria`?")
    ]
    rule = {
        "id": "x",
        "clause": "c",
        "priority": 1,
        "when": {"admin1": "Alepo"},
        "verdict": "violation",
        "explanation": "e",
    }
    _, problems = compile_ruleset(Ruleset.model_validate({**base, "rules": [rule]}), "t.yaml")
    assert [(p.path, p.message) for p in problems] == [
        ("rules[0].when.admin1", "`Alepo` is no admin1 area of Syria; did you mean `Aleppo`?")
    ]


def test_a_place_alias_cannot_take_another_areas_name() -> None:
    base = ruleset(SEPTEMBER).ruleset.model_dump(by_alias=True, exclude_none=True)
    _, problems = compile_ruleset(Ruleset.model_validate({**base, "places": {"Idleb": ["Aleppo", "Edlib"]}}), "t.yaml")
    assert [(p.path, p.message) for p in problems] == [
        ("places.Idleb", "`Aleppo` is already the name of admin1 `Aleppo`; it cannot also be `Idleb`")
    ]


def test_countries_come_from_iso_3166_with_the_short_names_event_data_uses() -> None:
    for name, code in [("Russia", "RUS"), ("Turkey", "TUR"), ("Türkiye", "TUR"), ("Russia (Soviet Union)", "RUS")]:
        assert country_code(name) == code
    assert country_code("Nineveh") is None


def test_the_gazetteer_has_every_admin_area_of_syria_with_arabic_names() -> None:
    g = gazetteer("SYR")
    assert g is not None
    levels = [sum(a.level == k for a in g.areas.values()) for k in (1, 2, 3)]
    assert levels == [14, 62, 272]
    assert all(a.name_ar for a in g.areas.values())
    assert [a.pcode for a in g.find(1, "Dayr az Zawr governorate")] == ["SY09"]
    assert place_key("Ar-Raqqa") == place_key("Raqqa") and place_key("Deir ez-Zor") == place_key("Deir-ez-Zor")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_party_named_but_not_part_of_the_truce_is_not_party_not_unknown(engine: str) -> None:
    compiled = ruleset(SEPTEMBER)
    where = {"location": {"admin1": "Aleppo"}}
    assert judged(compiled, engine, **{**SHELLING, "actor": "SDF"}, **where) == (
        "not_covered",
        "actor-not-party",
    )
    assert judged(compiled, engine, **{**SHELLING, "target": "Israel Defense Forces"}, **where) == (
        "not_covered",
        "target-not-party",
    )
    assert judged(compiled, engine, **{**SHELLING, "target": "someone else"}, **where) == (
        "undetermined",
        "target-unresolved",
    )
    resolver = Resolver(compiled)
    assert (resolver.name("YPG").role, resolver.name("someone else").role) == ("not_party", "unknown")


def scenario_of(tmp_path: Path, *incidents: str) -> Path:
    """A scenario under the September ruleset; each incident is `id, actor, act, target, location`."""
    path = tmp_path / "s.yaml"
    text = "scenario: s\ntitle: t\nruleset: syria-2016-09\nincidents:\n"
    for incident in incidents:
        iid, actor, act, target, location = (part.strip() for part in incident.split(",", 4))
        text += (
            f"  - id: {iid}\n    time: 2016-09-14T10:00:00+03:00\n    actor: {actor}\n    act: {act}\n"
            f"    target: {target}\n    location: {location}\n"
        )
    path.write_text(text)
    return path


def test_explain_says_which_scope_test_failed(cli: Cli, tmp_path: Path) -> None:
    scenario = scenario_of(
        tmp_path,
        "mosul, coalition, airstrike, ISIS, {admin1: Nineveh, country: Iraq}",
        "nowhere, coalition, airstrike, ISIS, {admin1: Alepo}",
    )
    code, out, _ = cli("explain", str(scenario), "mosul", "-e", "columnar")
    assert code == 0 and "place: out of scope (in Iraq, not Syria)" in out
    code, out, _ = cli("explain", str(scenario), "nowhere", "-e", "columnar")
    assert code == 0 and "place: scope unknown (the place is unknown: `Alepo` is no admin1 area of Syria" in out
    # a finer name no area has: the place is where the levels above put it, and explain says which was passed over
    scenario = scenario_of(tmp_path, "kafr, SAA, shelling, FSA, {admin1: Idlib, admin3: Kafr Nowhere}")
    code, out, _ = cli("explain", str(scenario), "kafr", "-e", "columnar")
    assert code == 0 and (
        "place: in scope (in Syria; placed by the levels above, as `Kafr Nowhere` is no admin3 area of Syria" in out
    )


def test_check_warns_about_places_and_names_it_cannot_resolve(cli: Cli, tmp_path: Path) -> None:
    scenario = scenario_of(tmp_path, "a, Syrian Arab Amry, shelling, FSA, {admin1: Alepo}")
    code, _, err = cli("check", str(scenario))
    assert code == 0
    assert (
        f"warning: {scenario}:10:16: incidents[0].location.admin1: `Alepo` is no admin1 area of Syria; "
        "did you mean `Aleppo`?" in err
    )
    assert f"warning: {scenario}:7:5: incidents[0].actor: `Syrian Arab Amry` resolves to no party" in err
    assert cli("check", "--strict", str(scenario))[0] == 1


def test_check_with_rules_warns_about_what_a_table_tells_that_the_ruleset_cannot_read(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(
        "id,time,actor,act,target,admin1,country\n"
        "a1,2016-09-14T10:00:00+03:00,Syrian Arab Amry,shelling,FSA,Alepo,\n"
        "a2,2016-09-14T10:00:00+03:00,Syrian Arab Amry,shellling,FSA,Aleppo,\n"
        "a3,0016-09-14T10:00:00+03:00,SAA,shelling,FSA,Nineveh,Iraq\n"
    )
    assert cli("check", str(table)) == (0, "1 file checked: no problems\n", "")
    code, out, err = cli("check", str(table), "--rules", "syria-2016-09")
    assert (code, out) == (0, "1 file checked: 4 warnings\n")
    assert err.splitlines() == [
        f"warning: {table}:2: actor: `Syrian Arab Amry` resolves to no party or class (2 incidents, the first `a1`);"
        " did you mean `Syrian Arab Army` (Syrian government forces)?",
        f"warning: {table}:2: admin1: `Alepo` is no admin1 area of Syria (incident `a1`); did you mean `Aleppo`?",
        f"warning: {table}:3: act: `shellling` is no act the ruleset knows (incident `a2`); did you mean `shelling`?",
        f"warning: {table}:4: time: `0016-09-14T10:00:00+03:00` is implausibly far from the window (years 1996 to"
        " 2036) (incident `a3`)",
    ]
    assert cli("check", str(table), "--rules", "syria-2016-09", "--strict")[0] == 1


@pytest.mark.parametrize(
    ("written", "district"),
    [
        ("Mintaqat Markaz Homs district", "Homs"),
        ("Markaz Daraa district", "Dar'a"),
        ("Tall Abyad district", "Tell Abiad"),
        ("Jabal Saman district", "Jebel Saman"),
    ],
)
def test_districts_as_ucdp_names_them(written: str, district: str) -> None:
    from engine.places.gazetteer import gazetteer

    syria = gazetteer("SYR")
    assert syria is not None
    assert [a.name for a in syria.find(2, written)] == [district]


def test_run_notes_the_incidents_that_tell_a_place_it_cannot_wholly_resolve(cli: Cli, tmp_path: Path) -> None:
    """A place passed over keeps its verdict, so only the flag and this note tell a reader of it; the note gives
    the `check` command that says which name, and that command does."""
    table = tmp_path / "events.csv"
    rows = [("a", "Idlib,Kafr Nowhere"), ("b", "Idleb,"), ("c", "Atlantis,"), ("d", "Idlib,Harim")]
    told = "2016-09-14T10:00:00+03:00,SAA,shelling,FSA"
    table.write_text(
        "id,time,actor,act,target,admin1,admin3\n" + "".join(f"{i},{told},{place}\n" for i, place in rows),
        encoding="utf-8",
    )
    code, out, err = cli("run", str(table), "--rules", SEPTEMBER, "-f", "jsonl")
    assert code == 0
    flagged = [json.loads(line)["incident"] for line in out.splitlines() if "place_unresolved" in line]
    assert flagged == ["a", "c"]
    assert err.endswith(
        "note: 2 incidents are flagged `place_unresolved`, told in a place the ruleset cannot wholly resolve; "
        f"`ceasefire check {table} --rules {SEPTEMBER}` lists each such name, with the nearest it knows\n"
    )
    # `check` takes no --set: the command given is one that runs
    code, _, err = cli("run", str(table), "--rules", SEPTEMBER, "--set", "policy.escalation_hours=12", "-f", "jsonl")
    assert code == 0 and f"`ceasefire check {table} --rules {SEPTEMBER}` lists each such name" in err
    code, _, err = cli("check", str(table), "--rules", SEPTEMBER)
    assert code == 0
    assert f"warning: {table}:2: admin3: `Kafr Nowhere` is no admin3 area of Syria (incident `a`)" in err
    assert f"warning: {table}:4: admin1: `Atlantis` is no admin1 area of Syria (incident `c`)" in err
    # a scenario, every place read: no note
    scenario = scenario_of(tmp_path, "k, SAA, shelling, FSA, {admin1: Idlib, admin2: Harim}")
    code, _, err = cli("run", str(scenario), "-f", "json")
    assert (code, err) == (0, "")
    scenario = scenario_of(tmp_path, "k, SAA, shelling, FSA, {admin1: Idlib, admin3: Kafr Nowhere}")
    code, _, err = cli("run", str(scenario), "-f", "json")
    assert code == 0 and err.startswith("note: 1 incident is flagged `place_unresolved`, told in a place the ruleset")


def test_a_folder_run_notes_the_places_it_cannot_wholly_resolve_over_every_part(cli: Cli, tmp_path: Path) -> None:
    import polars as pl

    told = {"time": "2016-09-14T10:00:00+03:00", "actor": "SAA", "act": "shelling", "target": "FSA"}
    places = [("a", "Idlib", "Kafr Nowhere"), ("b", "Idleb", None), ("c", "Atlantis", None)]
    rows = pl.DataFrame([{"id": i, **told, "admin1": a1, "admin3": a3} for i, a1, a3 in places])
    for number, part in enumerate((rows.head(2), rows.tail(1))):
        (tmp_path / "in" / f"part={number}").mkdir(parents=True)
        part.write_parquet(tmp_path / "in" / f"part={number}" / "data.parquet")
    out = tmp_path / "verdicts"
    code, _, err = cli("run", str(tmp_path / "in"), "--rules", SEPTEMBER, "-f", "parquet", "-o", str(out))
    assert code == 0, err
    first = tmp_path / "in" / "part=0" / "data.parquet"
    assert err.endswith(
        "note: 2 incidents are flagged `place_unresolved`, told in a place the ruleset cannot wholly resolve; "
        f"`ceasefire check {first} --rules {SEPTEMBER}` lists those of its first part, and of each other part "
        "likewise, with the nearest it knows\n"
    )


def test_a_note_names_a_path_that_begins_with_a_dash_so_that_its_command_runs(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-events.csv").write_text(
        "id,time,actor,act,target,admin1\na,2016-09-14T10:00:00+03:00,SAA,shelling,FSA,Atlantis\n", encoding="utf-8"
    )
    code, _, err = cli("run", "--rules", SEPTEMBER, "-f", "jsonl", "--", "-events.csv")
    assert code == 0 and f"`ceasefire check ./-events.csv --rules {SEPTEMBER}` lists each such name" in err
    code, _, err = cli("check", "./-events.csv", "--rules", SEPTEMBER)
    assert code == 0 and "`Atlantis` is no admin1 area of Syria" in err
