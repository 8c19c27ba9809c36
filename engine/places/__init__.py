"""Places: countries, gazetteers of admin areas, and whether a place told lies in an area."""
