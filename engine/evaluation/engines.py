"""The executors' names, known without importing any of them.

The command line builds its `--engine` option from these on every start, `--help` included, so this
module imports nothing heavy; whether durable_rules is installed is asked of the import system
(`find_spec`), not by importing it. engine.evaluation.pipeline should take ENGINES and RENAMED from
here (tests/test_packaging.py checks that the two agree until it does).
"""

from __future__ import annotations

# Every name `--engine` accepts, in the order `--help` lists them.
ENGINES = ("durable", "columnar", "native")

# Old engine names still accepted, for one release: each stands for the executor it was renamed to.
RENAMED = {"native": "columnar"}


def durable_installed() -> bool:
    """Whether durable_rules is there to import (it is not built for Python 3.13 and later), without importing it."""
    from importlib.util import find_spec

    try:
        return find_spec("durable") is not None
    except (ImportError, ValueError):
        return False
