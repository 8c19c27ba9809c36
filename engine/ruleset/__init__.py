"""A truce's terms: the ruleset format, variants, conditions and their compilation."""
