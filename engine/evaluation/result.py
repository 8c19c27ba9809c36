"""What an evaluation gives: verdicts, with their reasons, and the run they belong to."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from engine.incidents.model import Incident
from engine.ruleset.compile import Compiled
from engine.ruleset.model import VERDICTS


class AccountVerdict(NamedTuple):
    """The verdict under one account (source None: the incident as recorded, with no accounts).

    `actor` is the party (or class) the account names as the one who acted, None when it names none
    the ruleset knows: accounts can agree on the verdict and still blame different parties.
    """

    source: str | None
    actor: str | None
    verdict: str
    rule: str | None
    clause: str | None
    explanation: str
    matched: tuple[str, ...]
    flags: tuple[str, ...]


# Named tuples rather than frozen dataclasses: as immutable, and three times cheaper to make, which
# counts when a run judges a hundred thousand incidents.
class Verdict(NamedTuple):
    """The verdict on one incident, with its reasons and, where accounts differ, each account's."""

    incident: str
    verdict: str
    rule: str | None
    clause: str | None
    explanation: str
    matched: tuple[str, ...]
    flags: tuple[str, ...]
    accounts: tuple[AccountVerdict, ...]


ACCOUNTS_DIFFER = "(accounts name different actors)"  # in counts by acting party


@dataclass(frozen=True)
class Report:
    """A run's result: what was evaluated, under which ruleset and engine, and the verdicts."""

    scenario: str
    compiled: Compiled
    engine: str
    incidents: list[Incident]
    verdicts: list[Verdict]

    def summary(self) -> dict[str, int]:
        counts = Counter(v.verdict for v in self.verdicts)
        return {name: counts.get(name, 0) for name in VERDICTS}

    def by_party(self) -> dict[str, dict[str, int]]:
        """Verdict counts per acting party (by the name the ruleset gives it)."""
        rows: dict[str, Counter[str]] = {}
        for incident, verdict in zip(self.incidents, self.verdicts):
            rows.setdefault(self.acting(incident, verdict), Counter())[verdict.verdict] += 1
        return {who: {name: c.get(name, 0) for name in VERDICTS} for who, c in sorted(rows.items())}

    def acting(self, incident: Incident, verdict: Verdict) -> str:
        """Who acted: as the accounts tell it where there are accounts (they may name another actor)."""
        actors = {a.actor for a in verdict.accounts}
        if len(actors) > 1:
            return ACCOUNTS_DIFFER
        if actors and None not in actors:
            return self.compiled.party_name(actors.pop())
        return self.compiled.party_name(incident.actor)
