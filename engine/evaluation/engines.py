"""The executors' names, known without importing any of them.

The command line builds its `--engine` option from these on every start, `--help` included, so this
module imports nothing; engine.evaluation.pipeline takes them from here.
"""

from __future__ import annotations

# Every name `--engine` accepts, in the order `--help` lists them.
ENGINES = ("durable", "columnar", "native")

# Old engine names still accepted, for one release: each stands for the executor it was renamed to.
RENAMED = {"native": "columnar"}
