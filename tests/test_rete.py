"""The durable executor takes any condition the language can write, or says which rule it cannot run."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from engine import evaluate, load_ruleset
from engine.cli.main import main
from engine.evaluation.durable import AVAILABLE, DurableExecutor, EngineError, refused
from engine.incidents.synthetic import incidents
from engine.ruleset.compile import compile_ruleset
from engine.ruleset.model import Scope
from tests.conftest import ROOT, ruleset, with_rules

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="durable_rules absent")

PARTIES = ["syrian-government", "russia", "opposition", "coalition", "isis"]
REGIONS = ["Aleppo", "Idlib", "Homs", "Hama"]
BIG = {  # every field a list: more nested groups than durable_rules accepts in one rule
    "actor.party": ["russia", "opposition"],
    "actor.role": ["covered", "sponsor"],
    "actor.side": ["government", "opposition"],
    "target.party": ["russia", "opposition"],
    "target.role": ["covered", "sponsor"],
    "target.side": ["government", "opposition"],
    "intended_target.party": ["isis", "jfs"],
    "intended_target.role": ["excluded", "covered"],
    "intended_target.side": ["government", "opposition"],
    "act": ["airstrike", "shelling"],
    "act.hostile": [True, False],
    "in_window": [True, False],
    "in_scope": [True, False],
    "region": REGIONS,
    "killed": [1, 2],
    "wounded": [1, 2],
}


def rule(rule_id: str, when: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": rule_id,
        "clause": "test",
        "priority": 1,
        "when": when,
        "verdict": "violation",
        "explanation": "{actor} in an agreed area.",
    }


def test_a_rule_with_many_grouped_alternatives_runs_split_and_agrees_with_columnar() -> None:
    # 20 alternatives of two tests each: durable_rules refuses them as one rule (error 113)
    pairs = [{"actor.party": p, "region": r} for p, r in itertools.product(PARTIES, REGIONS)]
    compiled = with_rules(ruleset("syria-2016-09"), rule("agreed-areas", {"act.hostile": True, "any": pairs}))
    assert [compiled.rules[i].id for i in refused(compiled)] == ["agreed-areas"]  # as one rule: error 113
    told = incidents(1500, seed=21, compiled=compiled)
    columnar, durable = evaluate(compiled, told, "columnar"), evaluate(compiled, told, "durable")
    assert columnar == durable
    assert sum(v.rule == "agreed-areas" for v in columnar) > 50


def test_a_rule_too_complex_even_split_is_named_with_what_to_do(tmp_path: Path) -> None:
    compiled = with_rules(ruleset("syria-2016-09"), rule("everything-listed", BIG))
    with pytest.raises(EngineError) as caught:
        DurableExecutor(compiled)
    message = str(caught.value)
    assert "rule `everything-listed` is too complex for durable_rules" in message
    assert message.endswith("split it into simpler rules, or run with --engine columnar")
    assert caught.value.order == len(compiled.rules) - 1
    assert evaluate(compiled, incidents(50, seed=1, compiled=compiled), "columnar")  # columnar runs it


def test_run_names_the_file_and_rule_in_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "rules" / "syria-2016-09.yaml").read_text(encoding="utf-8")
    extra = "\n  - " + json.dumps(rule("everything-listed", BIG)) + "\n"
    path = tmp_path / "listed.yaml"
    path.write_text(text.replace("\nrules:\n", "\nrules:" + extra, 1), encoding="utf-8")
    assert load_ruleset(str(path)).rules  # a valid ruleset: only durable_rules cannot run it
    out = tmp_path / "report.json"
    scenario = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
    code = main(["run", scenario, "--rules", str(path), "--engine", "durable", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: rules[0]: rule `everything-listed`")
    assert main(["run", scenario, "--rules", str(path), "--engine", "columnar", "-o", str(out)]) == 0
    capsys.readouterr()
    # `check` says so before a run does, at the rule's line, as a warning (the ruleset is valid)
    assert main(["check", str(path)]) == 0
    warned = capsys.readouterr().err.splitlines()
    line = text[: text.index("\nrules:\n")].count("\n") + 3
    # the values listed also leave it unable to hold (`isis` and `jfs` have no side): that warning comes first
    assert len(warned) == 2 and "rules[0]: rule `everything-listed` can never decide: no incident has" in warned[0]
    assert warned[1].startswith(f"warning: {path}:{line}:")
    assert "rules[0].when: rule `everything-listed` is too complex for durable_rules" in warned[1]
    assert main(["check", "--strict", str(path)]) == 1


def test_a_fact_matching_a_hundred_rules_is_judged_alike_by_both_engines() -> None:
    # durable_rules walks the rules one fact matches on a 64-entry stack: past it, error 303 or a crash
    many = [rule(f"not-{n}", {"region": {"not": f"Region {n}"}, "act.hostile": True}) for n in range(100)]
    base = ruleset("syria-2016-09")  # without its country's gazetteer, regions are any names
    unscoped, problems = compile_ruleset(base.ruleset.model_copy(update={"scope": Scope()}), base.source)
    assert problems == []
    compiled = with_rules(unscoped, *many)
    told = incidents(300, seed=31, compiled=compiled)
    columnar, durable = evaluate(compiled, told, "columnar"), evaluate(compiled, told, "durable")
    assert columnar == durable
    assert max(len(v.matched) for v in columnar) > 100
