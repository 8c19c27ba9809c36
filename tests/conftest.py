"""Shared test fixtures: paths, engines, and golden files."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.evaluation.durable import AVAILABLE

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
ENGINES = ["native", pytest.param("durable", marks=pytest.mark.skipif(not AVAILABLE, reason="durable_rules absent"))]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Compare text with tests/golden/NAME (or rewrite it under --update-golden)."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden"):
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run pytest --update-golden"
        assert text == path.read_text(encoding="utf-8")

    return check
