"""Fuzzing: random YAML, random files, random rulesets and random incidents through the loader, `check` and
the engines. Whatever comes in, the answer is a result or an InputError of one-line problems, never
another exception; and both engines give the same verdicts.
"""

from __future__ import annotations

import copy
import functools
import json
import string
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.analysis.check import check_file, lint
from engine.errors import InputError, Problem
from engine.evaluation.pipeline import Evaluator
from engine.evaluation.result import Verdict
from engine.incidents.load import check_ids, load_incidents, unreadable_times
from engine.incidents.model import Scenario
from engine.ruleset.compile import BASE_FIELDS, OPERATORS, Compiled
from engine.ruleset.load import read_ruleset, ruleset_from
from engine.ruleset.model import VERDICTS
from engine.validation import validate
from engine.yamlsafe import CONTROL, Document, parse_yaml
from tests.conftest import ROOT, durable_only

SYRIA = ROOT / "rules" / "syria-2016-09.yaml"
pytestmark = pytest.mark.slow  # hundreds of examples a test: out of the quick loop (-m "not slow")


def fuzz(examples: int) -> settings:
    # The folder fixture is module-wide and only rewritten; the slow health check misjudges first runs.
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@functools.cache
def syria() -> Compiled:
    return read_ruleset(SYRIA).compiled


@functools.cache
def syria_data() -> dict[str, Any]:
    return read_ruleset(SYRIA).document.data  # type: ignore[no-any-return]


@functools.cache
def evaluator(engine: str) -> Evaluator:
    """One per engine for the whole run: building a durable_rules host per example would dominate."""
    return Evaluator(syria(), engine)


def one_line(problems: list[Problem] | tuple[Problem, ...]) -> None:
    # An exception escaping the code under test fails the example by itself; what is left to check is that the
    # message `ceasefire` prints is one line, whatever breaks the input held (splitlines breaks at more than \n).
    for problem in problems:
        assert len(str(problem).splitlines()) == 1, repr(str(problem))
        assert problem.severity in ("error", "warning")


# Values of every kind YAML can carry, and keys that are often the real ones.

KEYS = sorted(
    {
        *(name for name, _ in BASE_FIELDS),
        *OPERATORS,
        *("any", "all", "ne", "policy.mistaken_target", "policy.sponsors_bound"),
        *("id", "title", "agreement", "window", "from", "until", "scope", "parties", "civilians", "unidentified"),
        *("acts", "policy", "rules", "extends", "name", "role", "side", "aliases", "hostile", "clause"),
        *("priority", "when", "verdict", "explanation", "scenario", "ruleset", "incidents", "time", "actor"),
        *("act", "target", "intended_target", "location", "casualties", "accounts", "expect", "source"),
    }
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["covered", "excluded", "violation", "airstrike", "ISIS", "2016-09-17T16:00:00+03:00"]),
    st.sampled_from(["2016-09-17", "2016-09-17T16:00:00", "16:00", "../../../etc/passwd", "syria-2016-09", "."]),
)
JSON_LIKE = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)


@fuzz(600)
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_text_parses_or_is_refused_in_one_line(text: str) -> None:
    try:
        doc = parse_yaml(text, "fuzz.yaml")
    except InputError as exc:
        one_line(exc.problems)
        return
    assert isinstance(doc.data, dict)


@fuzz(600)
@given(st.text(st.sampled_from(list(" \t\n:-#'\"[]{},?&*!|>%@`ab1")), max_size=80))
def test_yaml_made_of_its_own_punctuation_is_refused_in_one_line_at_a_line_it_has(text: str) -> None:
    """The syntax errors of hand-written YAML are worded by `yamlsafe.syntax_problem`: whatever the mistake, one line,
    at a line of the file (or just past its end, where a file stops short)."""
    try:
        parse_yaml(text, "fuzz.yaml")
    except InputError as exc:
        one_line(exc.problems)
        assert all(p.line is None or 1 <= p.line <= text.count("\n") + 2 for p in exc.problems), exc.problems


def parsed(text: str, libyaml: bool) -> tuple[Any, dict[Any, Any]] | str:
    """What `parse_yaml` makes of `text`, with libyaml's parser or PyYAML's own: data and positions, or the error."""
    import engine.yamlsafe

    kept = engine.yamlsafe._C_PARSER
    try:
        if not libyaml:
            engine.yamlsafe._C_PARSER = None
        doc = parse_yaml(text, "fuzz.yaml")
        return doc.data, doc.positions
    except InputError as exc:
        return str(exc)
    finally:
        engine.yamlsafe._C_PARSER = kept


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML here has no libyaml")
@fuzz(400)
@given(
    st.text(max_size=200)
    | st.text(st.sampled_from("ab1 :-?,[]{}#&*!|>'\"\t\n\r\ufeff\u2028\x85é"), max_size=60)  # YAML's own marks
    | st.builds(
        yaml.safe_dump,
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), JSON_LIKE, min_size=1, max_size=6),
        default_flow_style=st.booleans(),
        allow_unicode=st.booleans(),
        line_break=st.sampled_from([None, "\r\n"]),
    )
)
@example("! :")  # `!` on nothing, as a key: text to libyaml, null to PyYAML
@example("a: !\n")
def test_libyaml_reads_as_pyyaml_does(text: str) -> None:
    assert parsed(text, libyaml=True) == parsed(text, libyaml=False)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML here has no libyaml")
@pytest.mark.parametrize("path", sorted([*ROOT.glob("rules/*.yaml"), *ROOT.glob("scenarios/*.yaml")]), ids=str)
def test_libyaml_reads_every_shipped_file_as_pyyaml_does(path: Path) -> None:
    import engine.yamlsafe

    text = path.read_text(encoding="utf-8")
    assert parsed(text, libyaml=True) == parsed(text, libyaml=False)
    assert engine.yamlsafe._c_node(text) is not None  # read by libyaml, not sent back to PyYAML


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@fuzz(300)
@given(
    st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), JSON_LIKE, max_size=8),
    st.sampled_from([{}, {"rules": []}, {"incidents": []}, {"extends": "syria-2016-09"}]),
)
def test_any_mapping_is_checked_without_an_exception(
    folder: Path, data: dict[str, Any], marker: dict[str, Any]
) -> None:
    path = folder / "random.yaml"
    path.write_text(yaml.safe_dump({**marker, **data}, allow_unicode=True), encoding="utf-8")
    checked = check_file(path)
    one_line(checked.problems)
    assert checked.kind in (None, "ruleset", "scenario")


@st.composite
def mutated_syria(draw: st.DrawFn) -> dict[str, Any]:
    """The shipped ruleset with one to three parts replaced by random values, or deleted."""
    data = copy.deepcopy(syria_data())
    for _ in range(draw(st.integers(1, 3))):
        node: Any = data
        while True:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            child = node[key]
            if isinstance(child, (dict, list)) and child and draw(st.booleans()):
                node = child
                continue
            if isinstance(node, dict) and draw(st.integers(0, 4)) == 0:
                del node[key]
            else:
                node[key] = draw(JSON_LIKE)
            break
    return data


def run_quietly(compiled: Compiled) -> list[Verdict]:
    with Evaluator(compiled, "columnar") as columnar:
        return columnar.evaluate(INCIDENTS)


INCIDENTS = validate(
    Document(
        "fuzz.yaml",
        {
            "scenario": "fixed",
            "title": "t",
            "ruleset": "x",
            "incidents": [
                {
                    "id": "a",
                    "time": "2016-09-17T16:00:00+03:00",
                    "actor": "coalition",
                    "act": "airstrike",
                    "target": "SAA",
                },
                {"id": "b", "time": "2016-09-13", "actor": "ISIS", "act": "shelling", "target": "civilians"},
                {"id": "c", "actor": "nobody", "act": "patrol", "casualties": {"killed": 3}},
                {"id": "d", "location": {"region": "Aleppo", "country": "Syria"}, "act": "rockets", "actor": "FSA"},
            ],
        },
    ),
    Scenario,
).incidents


@fuzz(500)
@given(mutated_syria())
def test_a_mutated_ruleset_compiles_or_fails_in_one_line_and_then_runs(data: dict[str, Any]) -> None:
    try:
        loaded = ruleset_from(Document("fuzz.yaml", data), SYRIA)
    except InputError as exc:
        one_line(exc.problems)
        return
    one_line(lint(loaded))
    assert {v.verdict for v in run_quietly(loaded.compiled)} <= set(VERDICTS)


# Conditions: keys from the real vocabulary (and near misses), values of every kind.

TEST_VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.sampled_from([*OPERATORS, "ne", "$eq"]), SCALARS | st.lists(SCALARS, max_size=3), max_size=3),
)
CONDITIONS = st.recursive(
    st.dictionaries(st.sampled_from(KEYS[:40]) | st.sampled_from([n for n, _ in BASE_FIELDS]), TEST_VALUES, max_size=4),
    lambda inner: st.dictionaries(st.sampled_from(["any", "all"]), st.lists(inner, max_size=3), max_size=2),
    max_leaves=8,
)


@fuzz(500)
@given(st.lists(st.tuples(st.integers(0, 100), CONDITIONS), min_size=1, max_size=4))
def test_random_conditions_compile_or_fail_in_one_line_and_then_run(rules: list[tuple[int, dict[str, Any]]]) -> None:
    data = copy.deepcopy(syria_data())
    data["rules"] += [
        {"id": f"fuzz-{i}", "clause": "c", "priority": p, "when": when, "verdict": "violation", "explanation": "e"}
        for i, (p, when) in enumerate(rules)
    ]
    try:
        loaded = ruleset_from(Document("fuzz.yaml", data), SYRIA)
    except InputError as exc:
        one_line(exc.problems)
        return
    one_line(lint(loaded))
    assert {v.verdict for v in run_quietly(loaded.compiled)} <= set(VERDICTS)


# Incidents: names the ruleset knows (in other cases and punctuation) or does not, times with and without
# offsets, numbers of every size.


def spellings() -> list[str]:
    c = syria()
    out = [p.name for p in c.ruleset.parties.values()] + [a for p in c.ruleset.parties.values() for a in p.aliases]
    return sorted({*out, *c.ruleset.civilians.aliases, *c.ruleset.unidentified.aliases})


def act_spellings() -> list[str]:
    acts = syria().ruleset.acts
    return sorted({*acts, *(a for act in acts.values() for a in act.aliases)})


def garble(word: str, how: int) -> str:
    return [word, word.upper(), word.replace(" ", "-"), f" {word}!", word.translate({ord(c): None for c in "aeiou"})][
        how
    ]


def mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Four draws in five from `common`: enough well-formed incidents reach the rules to test them."""
    return st.integers(0, 4).flatmap(lambda k: rare if k == 4 else common)  # hypothesis starts from 0


KNOWN_NAMES = st.builds(garble, st.sampled_from(spellings()), st.integers(0, 4))
NAMES = mostly(KNOWN_NAMES, st.none() | st.text(max_size=15) | st.text(alphabet=string.punctuation + " ", max_size=5))
ACTS = mostly(st.builds(garble, st.sampled_from(act_spellings()), st.integers(0, 4)), st.none() | st.text(max_size=10))
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
MOMENTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
# Minutes from the middle of the September 2016 window: small draws, which hypothesis favours, fall inside.
AROUND_THE_WINDOW = st.integers(-6 * 24 * 60, 6 * 24 * 60).map(lambda m: datetime(2016, 9, 16) + timedelta(minutes=m))
TIMES = mostly(
    st.builds(lambda d, tz: d.replace(tzinfo=tz).isoformat(), AROUND_THE_WINDOW, OFFSETS)
    | AROUND_THE_WINDOW.map(lambda d: d.date().isoformat()),
    st.one_of(
        st.none(),
        st.builds(lambda d, tz: d.replace(tzinfo=tz).isoformat(), MOMENTS, OFFSETS),
        MOMENTS.map(lambda d: d.isoformat()),  # no offset: refused
        st.dates().map(lambda d: d.isoformat()),
        st.text(max_size=25),
    ),
)
COUNTS = mostly(st.integers(0, 100), st.none() | st.integers(-5, 2**65))
FLOATS = mostly(st.floats(-90, 90), st.none() | st.floats(allow_nan=True, allow_infinity=True))
LOCATIONS = st.fixed_dictionaries(
    {},
    optional={
        "region": mostly(st.sampled_from(["Aleppo", "idleb", "Deir ez-Zor"]), st.none() | st.text(max_size=8)),
        "country": mostly(st.sampled_from(["Syria", "SYRIA", "Iraq"]), st.none() | st.text(max_size=8)),
        "lat": FLOATS,
        "lon": FLOATS,
    },
)


FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "time": TIMES,
    "actor": NAMES,
    "act": ACTS,
    "target": NAMES,
    "intended_target": NAMES,
    "location": LOCATIONS,
    "casualties": st.fixed_dictionaries({}, optional={"killed": COUNTS, "wounded": COUNTS}),
}
CORE = ("time", "actor", "act", "target")  # always drawn for an incident (a draw may still be None)


def told(core: tuple[str, ...], **extra: Any) -> st.SearchStrategy[dict[str, Any]]:
    """An incident or account as a mapping: `core` fields always drawn, the others sometimes; None dropped."""
    required = {**extra, **{k: FIELDS[k] for k in core}}
    optional = {k: v for k, v in FIELDS.items() if k not in core}
    return st.fixed_dictionaries(required, optional=optional).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


INCIDENT = told(
    CORE,
    id=st.text(min_size=1, max_size=6),
    accounts=st.lists(told((), source=st.text(min_size=1, max_size=8)), max_size=3),
)


def _texts(data: Any) -> Iterator[str]:
    """Every string in the data, keys too."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _texts(key)
            yield from _texts(value)
    elif isinstance(data, list):
        for item in data:
            yield from _texts(item)


def loaded_incidents(incidents: list[dict[str, Any]], ruleset_known: bool = True) -> Iterator[list[Any]]:
    """The incidents loaded like a scenario's, or nothing when loading refuses them in one-line problems.

    With `ruleset_known`, times the ruleset cannot read (a local time: it names no zone) are refused too.
    """
    if any(CONTROL.search(text) for text in _texts(incidents)):
        return  # a scenario file's reader refuses such text before validation (tests/test_tables.py)
    doc = Document("fuzz.yaml", {"scenario": "fuzz", "title": "t", "ruleset": "syria-2016-09", "incidents": incidents})
    try:
        scenario = validate(doc, Scenario)
        check_ids(doc, scenario.incidents)
    except InputError as exc:
        one_line(exc.problems)
        return
    refused = [Problem("fuzz.yaml", message) for _, message in unreadable_times(syria(), scenario.incidents)]
    if ruleset_known and refused:
        one_line(refused)
        return
    yield scenario.incidents


@fuzz(600)
@given(st.lists(INCIDENT, min_size=1, max_size=4))
def test_random_incidents_get_verdicts_or_one_line_errors(incidents: list[dict[str, Any]]) -> None:
    rule_ids = {r.id for r in syria().rules}
    for loaded in loaded_incidents(incidents):
        verdicts = evaluator("columnar").evaluate(loaded)
        assert [v.incident for v in verdicts] == [i.id for i in loaded]
        for v in verdicts:
            assert v.verdict in VERDICTS and (v.rule is None or v.rule in rule_ids)
            assert all(a.verdict in VERDICTS and a.verdict != "disputed" for a in v.accounts)


@fuzz(300)
@given(st.lists(INCIDENT, min_size=1, max_size=3))
def test_random_incidents_load_from_a_table_as_from_a_scenario(folder: Path, incidents: list[dict[str, Any]]) -> None:
    table = folder / "events.jsonl"
    table.write_text("".join(json.dumps(i) + "\n" for i in incidents), encoding="utf-8")
    try:
        from_table = load_incidents(table)
    except InputError as exc:
        one_line(exc.problems)
        assert not list(loaded_incidents(incidents, ruleset_known=False))
        return
    assert [from_table] == list(loaded_incidents(incidents, ruleset_known=False))


@durable_only
@fuzz(250)
@given(st.lists(INCIDENT, min_size=1, max_size=4))
def test_random_incidents_get_the_same_verdicts_from_both_engines(incidents: list[dict[str, Any]]) -> None:
    for loaded in loaded_incidents(incidents):
        assert evaluator("durable").evaluate(loaded) == evaluator("columnar").evaluate(loaded)
