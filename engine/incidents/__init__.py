"""Incidents: scenario files and incident tables, read and checked."""
