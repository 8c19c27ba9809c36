"""ceasefire-sim: truce terms as YAML rules, incidents as data, verdicts with their reasons."""

from engine.errors import InputError, Problem
from engine.evaluation.pipeline import Evaluator, evaluate
from engine.evaluation.result import AccountVerdict, Verdict
from engine.incidents.load import load_incidents, load_scenario
from engine.incidents.model import Incident, Scenario
from engine.ruleset.compile import Compiled, compile_ruleset
from engine.ruleset.load import load_ruleset
from engine.ruleset.model import Ruleset

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
