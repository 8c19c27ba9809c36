"""ceasefire-sim: truce terms as YAML rules, incidents as data, verdicts with their reasons.

The names below are imported on first use (PEP 562), so that `import engine` — and with it
`ceasefire --version` and `--help` — loads none of polars, pydantic, rich, durable_rules or PyYAML.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on every start (mypy reads it alike)
if TYPE_CHECKING:
    from typing import Any

    from engine.errors import InputError, Problem
    from engine.evaluation.pipeline import Evaluator, evaluate
    from engine.evaluation.result import AccountVerdict, Verdict
    from engine.incidents.load import load_incidents, load_scenario
    from engine.incidents.model import Incident, Scenario
    from engine.ruleset.compile import Compiled, compile_ruleset
    from engine.ruleset.load import load_ruleset
    from engine.ruleset.model import Ruleset

__version__ = "0.1.0"

# Each public name and the module it lives in; keep in step with the imports above.
_HOMES = {
    "InputError": "engine.errors",
    "Problem": "engine.errors",
    "Evaluator": "engine.evaluation.pipeline",
    "evaluate": "engine.evaluation.pipeline",
    "AccountVerdict": "engine.evaluation.result",
    "Verdict": "engine.evaluation.result",
    "load_incidents": "engine.incidents.load",
    "load_scenario": "engine.incidents.load",
    "Incident": "engine.incidents.model",
    "Scenario": "engine.incidents.model",
    "Compiled": "engine.ruleset.compile",
    "compile_ruleset": "engine.ruleset.compile",
    "load_ruleset": "engine.ruleset.load",
    "Ruleset": "engine.ruleset.model",
}

__all__ = [
    "AccountVerdict",
    "Compiled",
    "Evaluator",
    "Incident",
    "InputError",
    "Problem",
    "Ruleset",
    "Scenario",
    "Verdict",
    "__version__",
    "compile_ruleset",
    "evaluate",
    "load_incidents",
    "load_ruleset",
    "load_scenario",
]


if not TYPE_CHECKING:  # hidden from mypy, which would otherwise take any name, misspelt or not, as Any

    def __getattr__(name: str) -> Any:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        globals()[name] = value  # found once; later lookups no longer come here
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
