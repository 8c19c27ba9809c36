"""Every shipped scenario's JSON report, as `ceasefire run SCENARIO --format json` writes it, under every engine.

One golden file a scenario serves all engines: their reports may differ only in the engine named in the header,
which is blanked before comparing. Rewrite the files with `pytest --update-golden` when the format changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ENGINES, GOLDEN, ROOT, Cli, engine_blanked

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_every_golden_report_is_of_a_shipped_scenario() -> None:
    assert SCENARIOS, f"no scenarios in {ROOT / 'scenarios'}"
    orphans = {p.name for p in GOLDEN.glob("report-*.json")} - {f"report-{p.stem}.json" for p in SCENARIOS}
    assert not orphans, "golden reports of scenarios no longer shipped: delete them"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_json_report_matches_golden(cli: Cli, golden: Callable[[str, str], None], scenario: Path, engine: str) -> None:
    code, out, err = cli("run", str(scenario), "--format", "json", "--engine", engine)
    assert code == 0
    assert err == "" or (err.startswith("note: ") and err.count("\n") == 1)  # names it cannot resolve, counted
    golden(f"report-{scenario.stem}.json", engine_blanked(out))
