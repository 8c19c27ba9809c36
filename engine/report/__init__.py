"""Rendering: results as tables, Markdown and JSON."""
