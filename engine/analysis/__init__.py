"""What people do with verdicts: check rulesets, test expectations, explain, what-if, sweep, diff."""
