"""The `ceasefire` command line: `main` parses, one module a command does the work."""

from engine.cli.main import main

__all__ = ["main"]
