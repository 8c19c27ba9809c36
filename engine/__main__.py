"""`python -m engine` runs the command line."""

from engine.cli.main import program

raise SystemExit(program())
