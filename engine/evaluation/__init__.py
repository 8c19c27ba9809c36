"""Evaluation: incidents to fact rows, rules matched by an executor, verdicts decided and combined."""
