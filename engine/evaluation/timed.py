"""Stages over time, after matching: a phase the time told cannot place, self-defence, escalation.

Each works on `decide`'s rows or the verdict table and changes only the rows its terms reach; a row it
changes says something of its own, so its `said` number (`decide.decide`) is cleared.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

import polars as pl

from engine.evaluation.decide import ACTORS_DIFFER, ESCALATED, flag_added, flag_lists, laid_back
from engine.evaluation.phases import NO_PHASE
from engine.evaluation.result import Episode
from engine.ruleset.compile import Compiled
from engine.times import duration_words

if TYPE_CHECKING:
    import numpy as np  # imported where escalation episodes are found: a ruleset without them needs none


def with_trials(table: pl.DataFrame, placed: pl.DataFrame, tested: bool) -> pl.DataFrame:
    """The fact table with each row's `phase` (`phases.placed`), and `trial` (UInt8): 0 for each row as told,
    then, where some rule tests the phase (`tested`) and the row's is `unknown`, one more row for each phase
    it could be in (`trial` 1, 2, …, its `phase` that one, null for none), for `settle` to compare."""
    phase_type = table.schema["phase"]
    rows = table.with_columns(
        placed.get_column("phase").cast(phase_type).alias("phase"), pl.lit(0, pl.UInt8()).alias("trial")
    )
    if not tested:
        return rows
    tried = (
        rows.with_columns(placed.get_column("phase.trials").alias("tried"))
        .filter(pl.col("tried").is_not_null())
        .explode("tried")
    )
    if tried.is_empty():
        return rows
    tried = tried.with_columns(
        pl.when(pl.col("tried") != NO_PHASE).then(pl.col("tried")).cast(phase_type).alias("phase"),
        (pl.int_range(pl.len()).over("version", "direction") + 1).cast(pl.UInt8()).alias("trial"),
    ).drop("tried")
    return pl.concat([rows, tried.select(rows.columns)])


def as_told(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows of a table `with_trials` made (or `decide`'s of it, in its order) as told: without the rows added to try
    each phase an incident could be in, which come after them (so a slice, not a copy)."""
    if "trial" not in rows.columns:
        return rows
    return rows.slice(0, rows.height - int((rows.get_column("trial") > 0).sum()))


def settle(compiled: Compiled, rows: pl.DataFrame) -> pl.DataFrame:
    """`decide`'s rows for the rows as told (trial 0), each with an `unknown` phase settled against its trials.

    A rule that would decide ahead of the row's own deciding rule in some phase the row could be in, and does
    not hold with the phase unknown, depends on the phase: it cannot decide, and nothing after it may. The
    row is then `undetermined` under that rule (the earliest such in deciding order), and says why.
    """
    if "trial" not in rows.columns:
        return rows
    base = as_told(rows)
    trials = rows.slice(base.height)
    base = base.drop("trial")
    if trials.is_empty():
        return base
    rules = compiled.rules
    ids = pl.Series([rule.id for rule in rules], dtype=pl.String())
    deciding = pl.Series(range(len(rules)), dtype=pl.UInt32())

    def position(rule: pl.Expr) -> pl.Expr:
        return rule.replace_strict(ids, deciding, default=len(rules), return_dtype=pl.UInt32())

    row = pl.int_range(pl.len(), dtype=pl.UInt32()).alias("row")
    keyed = base.select(row, "version", "direction", "rule", "matched")
    tried = trials.select("version", "direction", pl.col("phase").alias("tried"), pl.col("matched").alias("holds"))
    joined = keyed.join(tried, on=["version", "direction"], how="inner", maintain_order="left").with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32()).alias("pair"), position(pl.col("rule")).alias("limit")
    )
    # Per trial, the earliest rule that holds in its phase, not with the phase unknown, ahead of the row's own rule.
    ahead = (
        joined.select("pair", "limit", "matched", "holds")
        .explode("holds")
        .filter(pl.col("holds").is_not_null() & ~pl.col("matched").list.contains(pl.col("holds")))
        .select("pair", position(pl.col("holds")).alias("ahead"), "limit")
        .filter(pl.col("ahead") < pl.col("limit"))
        .group_by("pair")
        .agg(pl.col("ahead").min())
    )
    # Per row, the earliest such over its trials, and the first phase tried where it holds.
    found = (
        joined.join(ahead, on="pair", how="left", maintain_order="left")
        .group_by("row", maintain_order=True)
        .agg(
            pl.col("ahead").min().alias("best"),
            pl.col("tried").filter(pl.col("ahead") == pl.col("ahead").min()).first().alias("where"),
            pl.col("tried").alias("phases"),
        )
        .filter(pl.col("best").is_not_null())
    )
    changed = {row: (best, where, phases) for row, best, where, phases in found.iter_rows()}
    if not changed:
        return base
    at = pl.Series(list(changed), dtype=pl.UInt32())
    decided = [rules[k] for k, _, _ in changed.values()]
    texts = [_unplaced(rules[k].id, rules[k].verdict, where, tried) for k, where, tried in changed.values()]
    return base.with_columns(
        base.get_column("verdict").scatter(at, "undetermined"),
        base.get_column("rule").scatter(at, pl.Series([r.id for r in decided], dtype=pl.String())),
        base.get_column("clause").scatter(at, pl.Series([r.clause for r in decided], dtype=pl.String())),
        base.get_column("explanation").scatter(at, pl.Series(texts, dtype=pl.String())),
        base.get_column("said").scatter(at, None),
    )


def _unplaced(rule: str, verdict: str, phase: str | None, tried: list[str | None]) -> str:
    shown = " or ".join("none" if p is None else p for p in tried)
    where = "outside every phase" if phase is None else f"in phase {phase}"
    return (
        f"The time told cannot place the incident in one phase of the truce (it could be in {shown}), and rule "
        f"{rule} decides {where} only ({verdict.replace('_', ' ')} there): the terms cannot be applied to it."
    )


def phase_tested(compiled: Compiled) -> bool:
    """Whether some rule's condition tests the phase (then an `unknown` phase is tried as each it could be)."""
    from engine.ruleset.compile import Node, Test

    def tests(node: Node) -> bool:
        if isinstance(node, Test):
            return node.field == "phase"
        return any(tests(item) for item in node.items)

    return any(tests(rule.condition) for rule in compiled.rules)


_PRECISE = timedelta(minutes=1)  # a response told to within this is placed by its time alone
SELF_DEFENSE = "self_defense"  # the rule column of a response the terms permit: the ruleset's `self_defense` terms
NO_TERMS = "the ruleset sets no `self_defense` terms"


def respond(
    compiled: Compiled,
    table: pl.DataFrame,
    rows: pl.DataFrame,
    spans: pl.DataFrame,
    answered: pl.Series,
    ids: pl.Series,
) -> pl.DataFrame:
    """`decide`'s rows with each response (`in_response_to`) that the verdict finds a violation judged under the
    ruleset's `self_defense` terms: inside them, `permitted` by those terms, flagged `self_defense`; outside
    them, as it was, flagged `response_outside_terms`, and the explanation says which term it misses.

    `table` and `spans` (`phases.periods`) are the fact rows `rows` were decided from, in the same order;
    `answered` gives, per incident (row of the input), the row of the incident it answers (null for none);
    `ids` the incidents' ids.
    A response is measured against every version told of the incident it answers: all must leave it inside.
    """
    facts = table.select(
        "incident", "direction", "actor.party", "target.party", "act", "killed", "wounded"
    ).with_columns(spans.get_column("first"), spans.get_column("end"))
    target = answered.gather(rows.get_column("incident"))
    at = (target.is_not_null() & (rows.get_column("verdict") == "violation")).arg_true()
    if at.is_empty():
        return rows
    told = {k: _Fact(*facts.row(k)) for k in at.to_list()}  # the responses, and below what they answer
    answers = facts.filter(pl.col("incident").is_in(target.gather(at).implode()) & (pl.col("direction") == 0))
    versions: dict[int, list[_Fact]] = {}
    for fact in map(_Fact._make, answers.iter_rows()):
        versions.setdefault(fact.incident, []).append(fact)
    terms = compiled.self_defense
    changes: list[dict[str, object]] = []
    for k in at.to_list():
        original = int(target[k])
        reason = NO_TERMS if terms is None else _outside(compiled, told[k], versions.get(original, []))
        shown = f"`{ids[original]}`"
        row = rows.row(k, named=True)
        if reason is None and terms is not None:
            text = (
                f"{_name(compiled, told[k].party)} answered incident {shown} within "
                f"{duration_words(terms.window)}, against the party that struck it and in proportion: self-defence the "
                "terms allow."
            )
            change = {"verdict": "permitted", "rule": SELF_DEFENSE, "clause": terms.clause, "explanation": text}
            flag = SELF_DEFENSE
        else:
            text = f"{row['explanation']} It answers incident {shown}, but not within the self-defence terms: {reason}."
            change = {"verdict": row["verdict"], "rule": row["rule"], "clause": row["clause"], "explanation": text}
            flag = "response_outside_terms"
        changes.append({"row": k, **change, "flags": row["flags"], "flag": flag})
    changed = (
        pl.DataFrame(
            changes,
            schema={"row": pl.UInt32(), **{c: rows.schema[c] for c in changes[0] if c not in ("row", "flag")}}
            | {"flag": pl.String()},
        )
        .with_columns(flag_lists(pl.concat_list("flags", "flag")).alias("flags"))
        .drop("flag")
    )
    numbered = rows.with_row_index("row").with_columns(
        pl.when(pl.col("row").is_in(changed.get_column("row").implode()))
        .then(None)
        .otherwise(pl.col("said"))
        .alias("said")
    )
    return numbered.update(changed, on="row").drop("row")


class _Fact(NamedTuple):
    """A fact row as `respond` reads it: an incident's version told, in one direction, with its period (UTC)."""

    incident: int
    direction: int
    party: str | None  # actor.party
    target: str | None  # target.party
    act: str | None
    killed: int | None
    wounded: int | None
    first: datetime | None
    end: datetime | None


def _outside(compiled: Compiled, response: _Fact, versions: list[_Fact]) -> str | None:
    """Why a response (a fact row) is not self-defence against the incident it answers (its versions told), or
    None when every version leaves it inside the terms."""
    terms = compiled.self_defense
    assert terms is not None
    classes = compiled.act_classes or {}
    window = duration_words(terms.window)
    for o in versions:
        first, end, o_first, o_end = response.first, response.end, o.first, o.end
        if first is None or end is None or o_first is None or o_end is None:
            return f"the times told cannot show it began after that incident and within {window} of it"
        # `end - o_first`, not `o_first + window`: an incident told late in year 9998 and a window of years
        # would name a date past datetime's last
        if not (first >= o_end and end - o_first <= terms.window):
            if first >= o_end and end - first < _PRECISE:
                return f"it began {duration_words(first - o_first)} after that incident, later than {window}"
            return f"the times told cannot show it began after that incident and within {window} of it"
        if response.party is None or response.party != o.target:
            return f"{_name(compiled, response.party)} is not the party that incident struck"
        if response.target is None or response.target != o.party:
            return f"it struck {_name(compiled, response.target)}, not the party that struck first"
        if terms.same_class and classes.get(str(response.act)) != classes.get(str(o.act)):
            return f"its act ({response.act}) is not of the same class as that incident's ({o.act})"
        if terms.ratio is not None:
            mine, theirs = _casualties(response), _casualties(o)
            if mine is None or theirs is None:
                return "the casualties told cannot show it was in proportion"
            if mine > terms.ratio * theirs:
                return f"it caused {mine} casualties, more than {terms.ratio_text} times that incident's {theirs}"
    return None


def _casualties(fact: _Fact) -> int | None:
    told = [v for v in (fact.killed, fact.wounded) if v is not None]
    return sum(told) if told else None


def _name(compiled: Compiled, party: object) -> str:
    if party is None:
        return "an unnamed party"
    found = compiled.ruleset.parties.get(str(party))
    return found.name if found else str(party)


def escalate(
    compiled: Compiled, verdicts: pl.DataFrame, said: pl.Series, spans: pl.DataFrame, rows: pl.Series
) -> tuple[pl.DataFrame, pl.Series, list[Episode]]:
    """Escalation (the ruleset's `escalation` terms): each party found in at least N violations within any T hours.

    `verdicts` is the verdict table, `spans` (`phases.periods`) the fact rows' periods and `rows` their incidents
    (rows of the input). An incident's period runs from the first of its versions' to the last; a violation
    counts for each party it names (`actors`) that the ruleset lists, and only when its whole period lies in the
    T hours. Overlapping runs of one party are one episode. Every verdict naming that party whose period lies
    inside one of its episodes is flagged `escalation`. Returns the verdicts, their `said` numbers (cleared where
    flagged) and the episodes, by party then start. A table judged in parts gives the same: `episodes_of` over
    every part's `party_periods`, then `flag_episodes` on each part.
    """
    if compiled.escalation is None:
        return verdicts, said, []
    periods = party_periods(compiled, verdicts, spans, rows)
    episodes = episodes_of(compiled, periods)
    return *flag_episodes(verdicts, said, periods, episodes), episodes


def party_periods(
    compiled: Compiled, verdicts: pl.DataFrame, spans: pl.DataFrame, rows: pl.Series, offset: int = 0
) -> pl.DataFrame:
    """Each verdict's period once per party of the ruleset it names, for verdicts whose every version is timed and
    whose accounts do not name different actors (`decide.ACTORS_DIFFER`: no party's violation, or each's, as told).

    Columns: `row` (UInt32: the verdict's row plus `offset`, the part's first row in the whole input), `verdict`,
    `actors` (a party id), `first` and `end` (Datetime UTC: from its versions' first start to their last end).
    """
    told = pl.DataFrame([rows.alias("row"), spans.get_column("first"), spans.get_column("end")])
    if told.height != verdicts.height:  # some incident told more than once: its versions' extent, if all are timed
        timed = pl.col("first").null_count() == 0
        told = (
            told.group_by("row")
            .agg(pl.when(timed).then(pl.col("first").min()), pl.when(timed).then(pl.col("end").max()))
            .sort("row")
        )
    # Every incident has a version told (an incident without accounts is its own), so `told` has a row per verdict.
    return (
        verdicts.select(pl.int_range(pl.len(), dtype=pl.UInt32()).alias("row"), "verdict", "actors", "flags")
        .with_columns(told.get_column("first"), told.get_column("end"))
        .filter(pl.col("first").is_not_null() & ~pl.col("flags").list.contains(ACTORS_DIFFER))
        .drop("flags")  # who acted is disputed, above: no party's to count
        .explode("actors")
        .filter(pl.col("actors").is_in(list(compiled.ruleset.parties)))
        .with_columns(pl.col("row") + offset)
    )


def episodes_of(compiled: Compiled, periods: pl.DataFrame) -> list[Episode]:
    """The escalation episodes `party_periods` (of the whole input, the parts' concatenated) give, by party then
    start: each party's runs of at least N violations within T hours, overlapping runs joined."""
    terms = compiled.escalation
    if terms is None:
        return []
    # Times as whole numbers of their unit: a million datetimes are slow to make in Python, numbers are not.
    instant = periods.schema["first"]
    window = int(pl.Series([timedelta(hours=terms.hours)]).cast(pl.Duration(instant.time_unit)).cast(pl.Int64())[0])  # type: ignore[attr-defined]
    found: list[tuple[str, int, int, int]] = []
    # A violation told over more than the window is never within it; violations that start together are taken
    # shortest first, so that the episodes are the same whatever the order of the file.
    long = (pl.col("end").cast(pl.Int64()) - pl.col("first").cast(pl.Int64())) > window
    violations = periods.filter((pl.col("verdict") == "violation") & ~long).sort("first", "end")
    for (party,), told in violations.group_by("actors", maintain_order=True):
        firsts, ends = (told.get_column(c).cast(pl.Int64()).to_numpy() for c in ("first", "end"))
        found += [(str(party), *run) for run in _runs(firsts, ends, terms.violations, window)]
    begun = pl.Series([f[1] for f in found], dtype=pl.Int64()).cast(instant).to_list()
    over = pl.Series([f[2] for f in found], dtype=pl.Int64()).cast(instant).to_list()
    return sorted(Episode(f[0], start, until, f[3]) for f, start, until in zip(found, begun, over))


def flag_episodes(
    verdicts: pl.DataFrame, said: pl.Series, periods: pl.DataFrame, episodes: list[Episode]
) -> tuple[pl.DataFrame, pl.Series]:
    """Verdicts (of the input, or of one part of it, with its `party_periods`) flagged `escalation` where a party
    they name was inside one of its `episodes`; their `said` numbers marked there (`decide.ESCALATED`)."""
    if not episodes or periods.is_empty():
        return verdicts, said
    # Each verdict against the latest episode of its party that starts before it (a party's episodes do not overlap).
    spells = pl.DataFrame(
        [(e.party, e.start, e.until) for e in episodes],
        schema={"actors": pl.String(), "start": periods.schema["first"], "until": periods.schema["end"]},
        orient="row",
    ).sort("start")
    placed = periods.sort("first").join_asof(
        spells, left_on="first", right_on="start", by="actors", check_sortedness=False
    )
    at = placed.filter(pl.col("end") <= pl.col("until")).get_column("row").unique().sort()
    if at.is_empty():
        return verdicts, said
    marked = pl.int_range(pl.len(), dtype=pl.UInt32()).is_in(at.implode())
    flagged = flag_added(verdicts.get_column("flags").gather(at), "escalation")
    flags = laid_back(marked, flagged, pl.col("flags")).alias("flags")
    # Verdicts alike but for the flag stay alike once flagged: the flag is a bit of `said` of its own.
    number = pl.col(said.name)
    numbers = said.to_frame().select(pl.when(marked).then(number | ESCALATED).otherwise(number)).to_series()
    return verdicts.with_columns(flags), numbers


def _runs(firsts: np.ndarray, ends: np.ndarray, needed: int, window: int) -> list[tuple[int, int, int]]:
    """Episodes over one party's violations sorted by start (`firsts`, `ends`: Int64 times of one unit): (from,
    until, count), each a union of runs that overlap in time. The run from violation i is every violation from i on
    whose period lies within `window` of i's start (it starts before `firsts[i] + window` and ends by then; one that
    does not is passed over, not the end of the run); a run of at least `needed` counts.

    Violation k lies in the runs from i for f(k) ≤ i ≤ k, where f(k) is the first i whose window reaches k's
    `bound` (the least start from which k lies within): each run's size is then a difference array's sums, and
    its latest end the largest end of the violations covering it, laid over i a power-of-two block at a time.
    Runs are joined where one starts by the latest end of those before it; an episode counts its runs' violations.
    """
    import numpy as np

    n = len(firsts)
    if n < needed or n == 0:
        return []
    rows = np.arange(n)
    bound = np.maximum(firsts - window + 1, ends - window)
    lowest = np.searchsorted(firsts, bound, side="left")  # f(k): past k for a violation told over more than the window
    fits = lowest <= rows
    first, last, end = lowest[fits], rows[fits], ends[fits]
    steps = np.zeros(n + 1, dtype=np.int64)
    np.add.at(steps, first, 1)
    np.add.at(steps, last + 1, -1)
    valid = np.flatnonzero((np.cumsum(steps)[:n] >= needed) & fits)
    if valid.size == 0:
        return []
    latest = _largest_covering(first, last, end, n)[valid]
    # Runs in order of start: one that starts after the latest end of all before it begins an episode.
    begins = np.ones(valid.size, dtype=bool)
    begins[1:] = firsts[valid[1:]] > np.maximum.accumulate(latest)[:-1]
    episode = np.cumsum(begins) - 1
    heads = np.flatnonzero(begins)
    # A violation is in an episode where the last run to start by it (at i ≤ k) holds it (f(k) ≤ i).
    at = np.searchsorted(valid, last, side="right") - 1
    held = at >= 0
    held[held] = valid[at[held]] >= first[held]
    counts = np.bincount(episode[at[held]], minlength=heads.size)
    untils = np.maximum.reduceat(latest, heads)
    return [(int(firsts[valid[h]]), int(u), int(c)) for h, u, c in zip(heads, untils, counts)]


def _largest_covering(first: np.ndarray, last: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each position 0 … n-1, the largest of `values[k]` whose interval `first[k] … last[k]` (both included)
    covers it; the least Int64 where none does. Each interval is laid as two blocks of a power-of-two length, then
    each level's blocks are halved down to single positions."""
    import numpy as np

    empty = np.iinfo(np.int64).min
    size = last - first + 1
    level = np.frexp(size)[1].astype(np.int64) - 1  # the largest power of two within each length, exactly
    levels = [np.full(n, empty, dtype=np.int64) for _ in range(int(level.max(initial=0)) + 1)]
    for lv, table in enumerate(levels):
        on = level == lv
        np.maximum.at(table, first[on], values[on])
        np.maximum.at(table, last[on] - 2**lv + 1, values[on])
    for lv in range(len(levels) - 1, 0, -1):
        half, upper, lower = 2 ** (lv - 1), levels[lv], levels[lv - 1]
        np.maximum(lower, upper, out=lower)
        np.maximum(lower[half:], upper[:-half], out=lower[half:])
    return levels[0]
