"""ceasefire-sim: truce terms as YAML rules, incidents as data, verdicts with their reasons."""

from engine.compile import Compiled, compile_ruleset
from engine.errors import InputError, Problem
from engine.evaluate import Evaluator, evaluate
from engine.load import load_incidents, load_ruleset, load_scenario
from engine.model import AccountVerdict, Incident, Ruleset, Scenario, Verdict

__version__ = "0.1.0"

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
