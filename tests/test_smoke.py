"""The founding case end to end, through the Python API both engines share."""

import pytest

from engine import evaluate, load_scenario
from tests.conftest import ENGINES, ROOT


@pytest.mark.parametrize("engine", ENGINES)
def test_deir_ezzor_is_disputed_and_the_isis_attack_not_covered(engine: str) -> None:
    loaded = load_scenario(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
    verdicts = {v.incident: v for v in evaluate(loaded.compiled, loaded.scenario.incidents, engine)}
    strike = verdicts["dez-airstrike"]
    assert strike.verdict == "disputed"
    assert {a.source: a.verdict for a in strike.accounts}["Syrian military (SANA)"] == "violation"
    assert {a.source: a.verdict for a in strike.accounts}["CENTCOM"] == "permitted"
    assert "covered_party_harmed" in strike.flags
    assert verdicts["dez-isis-attack"].verdict == "not_covered"
    assert verdicts["dez-isis-attack"].rule == "actor-not-bound"
