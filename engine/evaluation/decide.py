"""After matching, whatever the executor: the deciding rule, the verdict and its reasons, accounts combined.

Executors answer one question, which rules hold for each fact row, as bit masks (`mask_columns`).
Everything after is here, over columns: each distinct (rules matched, people and act as resolved) is
decided once, in Python, and joined back; accounts are combined per incident in one `group_by`.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

import polars as pl

from engine.evaluation.facts import CODES, HARM_FLAGS, UNNAMED, UNNAMED_ACT, Resolution
from engine.evaluation.result import AccountVerdict, Verdict
from engine.memory import paused_gc
from engine.ruleset.compile import PEOPLE, PLACEHOLDERS, UNKNOWN, Compiled

WORD = 64  # rules a mask column holds: bit j of `mask.k` is rule 64·k + j, in deciding order
NO_RULE = "No rule of the ruleset applies to these facts."
ACTORS_DIFFER = "accounts_name_different_actors"
_TEXTS = pl.List(pl.String())
# What a verdict says, whoever's account it is: its columns, in the report's order.
DECIDED: dict[str, pl.DataType] = {
    "verdict": pl.String(),
    "rule": pl.String(),
    "clause": pl.String(),
    "phase": pl.String(),  # the truce's phase the incident falls in (`unknown`: more than one; null: none)
    "explanation": pl.String(),
    "matched": _TEXTS,
    "flags": _TEXTS,
    "actors": _TEXTS,  # the parties the verdict names: who acted, with their associated actors (party ids)
}
_DECIDED = tuple(DECIDED)
# One account's verdict (or the incident's own, told without accounts), as a struct in the report.
ACCOUNT_VERDICT = pl.Struct({"source": pl.String(), "actor": pl.String(), **DECIDED})
# The verdict table: one row per incident, in input order; every field of a verdict in the JSON report.
VERDICTS: dict[str, pl.DataType] = {"incident": pl.String(), **DECIDED, "accounts": pl.List(ACCOUNT_VERDICT)}


def mask_columns(rules: int) -> list[str]:
    """The names of the mask columns for a ruleset of `rules` rules (at least one column)."""
    return [f"mask.{k}" for k in range(max(1, -(-rules // WORD)))]


def matched_rules(words: tuple[int, ...]) -> tuple[int, ...]:
    """The rule indices (deciding order) that mask words stand for."""
    return tuple(WORD * k + j for k, word in enumerate(words) for j in range(WORD) if word >> j & 1)


def decide(compiled: Compiled, facts: pl.DataFrame, resolution: Resolution, masks: pl.DataFrame) -> pl.DataFrame:
    """Each fact row's verdict: `incident`, `source`, `actor` (party id), then verdict, rule, clause,
    explanation, matched (rule ids in deciding order) and flags, one row per fact row in its order.

    The deciding rule is the lowest bit set; the rules matched are listed once per distinct mask, and
    each explanation made once per distinct (deciding rule, names it uses); flags are expressions.
    """
    rules = compiled.rules
    decider = _lowest_bit(masks.columns).alias("decider")
    by_rule = {
        "verdict": pl.Series([r.verdict for r in rules], dtype=pl.String()),
        "rule": pl.Series([r.id for r in rules], dtype=pl.String()),
        "clause": pl.Series([r.clause for r in rules], dtype=pl.String()),
    }
    rows = pl.concat([facts, masks], how="horizontal").with_columns(decider, flag_bits().alias("flag.bits"))
    listed = masks.unique().with_row_index("said.mask")
    listed = listed.with_columns(
        pl.Series(
            "matched",
            [[rules[i].id for i in matched_rules(w)] for w in listed.drop("said.mask").iter_rows()],
            dtype=_TEXTS,
        )
    )
    matched = rows.select(masks.columns).join(listed, on=masks.columns, how="left", maintain_order="left")
    texts = _explanations(compiled, resolution, rows)
    # Rows with the same rules matched, explanation, phase and flags say the same: `said` numbers what they say
    # (the matched rules' number above bit 48, the explanation's above bit 20, the phase's above the flags' 16,
    # of which FLAGS use the lowest; `ESCALATED` is added later, `FOLDED` by `fold`).
    phase = (rows.get_column("phase").to_physical().cast(pl.UInt64()) + 1).fill_null(0)
    said = (
        matched.get_column("said.mask").cast(pl.UInt64()) * (1 << 48)
        + texts.get_column("said.text").cast(pl.UInt64()) * (1 << 20)
        + phase * (1 << 16)
        + rows.get_column("flag.bits").cast(pl.UInt64())
    )
    actor = pl.col("actor.party").cast(pl.String())
    return rows.select(
        "incident",
        "version",
        "source",
        "direction",
        actor.alias("actor"),
        _actors(rows).alias("actors"),
        *(pl.lit(values).gather(pl.col("decider")).alias(name) for name, values in by_rule.items()),
        pl.col("phase").cast(pl.String()),
        texts.get_column("explanation"),
        matched.get_column("matched"),
        flags_listed(rows.get_column("flag.bits")).alias("flags"),
        said.alias("said"),
        *(["trial"] if "trial" in rows.columns else []),
    ).with_columns(pl.col("verdict").fill_null("undetermined"))


def _actors(rows: pl.DataFrame) -> pl.Expr:
    """Each row's `actors`: the acting party, then its associated actors' parties, once each.

    A row that names no associate (most) has its list looked up by the party's code; list operations, which
    cost about half a second per million rows each, run on the others only."""
    parties = rows.schema["actor.party"].categories  # type: ignore[attr-defined]
    alone = pl.lit(pl.Series([[p] for p in parties] + [[]], dtype=_TEXTS))
    own = alone.gather(pl.col("actor.party").to_physical().cast(pl.UInt32()).fill_null(len(parties)))
    named = pl.col("assoc.parties").list.len() > 0
    subset = rows.filter(named)
    if subset.is_empty():
        return own
    listed = pl.concat_list(pl.col("actor.party").cast(pl.String()), "assoc.parties").list.drop_nulls()
    lists = subset.select(listed.list.unique(maintain_order=True)).to_series()
    return laid_back(named, lists, own)


def laid_back(where: pl.Expr, values: pl.Series, otherwise: pl.Expr) -> pl.Expr:
    """`values` (one per row where `where` holds, in row order) at those rows, `otherwise` elsewhere: list
    operations are then run on those rows only, and each value laid back at its row."""
    place = (where.cast(pl.Int64()).cum_sum() - 1).clip(0)  # a row's place among the rows where `where` holds
    return pl.when(where).then(pl.lit(values).gather(place)).otherwise(otherwise)


def _lowest_bit(columns: list[str]) -> pl.Expr:
    """The index of the lowest bit set across the mask words (the deciding rule), null when none is."""
    out = pl.lit(None, pl.UInt32())
    for k in reversed(range(len(columns))):
        word = pl.col(columns[k])
        out = pl.when(word != 0).then(word.bitwise_trailing_zeros().cast(pl.UInt32()) + WORD * k).otherwise(out)
    return out


def _explanations(compiled: Compiled, resolution: Resolution, rows: pl.DataFrame) -> pl.DataFrame:
    """Each row's explanation (its deciding rule's template with the names it uses, each distinct one made
    once) and the number of that distinct text (`said.text`)."""
    rules = compiled.rules
    # A template names some of the people and the act: names it does not use are left out of the key, and
    # spellings shown alike (every spelling of a party is shown by the party's name) share one number.
    uses = [_placeholders(rule.explanation) for rule in rules]
    people, people_shown = _shown_numbers([n.shown for n in resolution.names])
    acts, acts_shown = _shown_numbers([d.shown for d in resolution.deeds])
    numbers = [people] * len(PEOPLE) + [acts]
    key = [
        pl.when(pl.col("decider").is_in([i for i, u in enumerate(uses) if name in u]))
        .then(pl.lit(number).gather(pl.col(code)))
        .alias(name)
        for name, code, number in zip(PLACEHOLDERS, CODES, numbers)
    ]
    # The parties a row names are part of what it says, whatever its explanation uses.
    associates = pl.col("assoc.parties")
    named = [pl.col("actor.party").to_physical().alias("named.actor")]
    if rows.select(associates.list.len().max()).item():
        named.append(pl.when(associates.list.len() > 0).then(associates.list.join(",")).alias("named.associates"))
    keyed = rows.select(pl.col("decider"), *key, *named)
    if "named.associates" in keyed.columns:  # numbered: what is compared below is numbers
        keyed = keyed.with_columns(pl.col("named.associates").rank("dense").cast(pl.UInt32()))
    # Each row's key as one number when its parts fit in 64 bits (a part's number + 1, 0 for none): one column
    # is found and looked up faster than seven.
    bounds = [len(rules), *[len(people_shown)] * len(PEOPLE), len(acts_shown)]
    bounds += [len(rows.schema["actor.party"].categories)]  # type: ignore[attr-defined]
    if "named.associates" in keyed.columns:
        bounds.append(int(keyed.select(pl.col("named.associates").max()).item() or 0))
    widths = [(b + 1).bit_length() for b in bounds]
    if sum(widths) <= 64:
        parts = [
            (pl.col(c).cast(pl.UInt64()) + 1).fill_null(0) * pl.lit(1 << sum(widths[:k]), pl.UInt64())
            for k, c in enumerate(keyed.columns)
        ]
        keyed = keyed.with_columns(pl.sum_horizontal(parts).alias("key"))
        on = ["key"]
    else:
        on = keyed.columns
    distinct = keyed.unique(on, maintain_order=True)
    texts = []
    for decider, *shown in distinct.select("decider", *PLACEHOLDERS).iter_rows():
        if decider is None:
            texts.append(NO_RULE)
            continue
        words = [UNNAMED[who] if n is None else people_shown[n] for who, n in zip(PEOPLE, shown[:3])]
        words.append(UNNAMED_ACT if shown[3] is None else acts_shown[shown[3]])
        texts.append(rules[decider].explanation.format_map(dict(zip(PLACEHOLDERS, words))))
    numbered = distinct.select(on).with_row_index("said.text")
    if on == ["key"]:
        number = keyed.get_column("key").replace_strict(numbered.get_column("key"), numbered.get_column("said.text"))
    else:
        number = keyed.join(numbered, on=on, how="left", maintain_order="left", nulls_equal=True)["said.text"]
    explanation = pl.Series("explanation", texts, dtype=pl.String()).gather(number)
    return pl.DataFrame([explanation, number.alias("said.text")])


def _shown_numbers(shown: list[str]) -> tuple[pl.Series, list[str]]:
    """A number per code such that codes shown alike share it, and the texts by number."""
    texts = list(dict.fromkeys(shown))
    number = {text: i for i, text in enumerate(texts)}
    return pl.Series([number[s] for s in shown], dtype=pl.UInt32()), texts


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


FLAGS = (  # in the order reports list them
    "act_unresolved",
    "actor_unresolved",
    "civilians_harmed",
    "covered_party_harmed",
    "implausible_time",
    "mistaken_target",
    "mutual",
    "phase_unknown",
    "place_unresolved",
    "sponsor_harmed",
    "target_unresolved",
)
# The bit of a `said` number (above FLAGS' own) that says its verdict is also flagged `escalation`.
ESCALATED = 1 << 15
# The bit of a `said` number that says it numbers what a pair of directions folded into one says (`fold`).
FOLDED = 1 << 14
# Flags later stages raise (`engine.evaluation.timed`): listed with the others, in name order.
LATER_FLAGS = ("escalation", "response_outside_terms", "self_defense")


def flag_bits() -> pl.Expr:
    """Facts worth a reader's attention whatever the verdict, bit k for FLAGS[k]: a hostile act on a covered
    party, sponsor or civilians; a target other than the one intended; an actor, target or act that
    resolves to nothing the ruleset names; a time far from the truce's window, a place told that resolves
    to nothing (`facts.NOTED`); an incident judged both ways (`mutual`); and any of these the record
    raises itself (`record.flags`: UCDP's civilian deaths say `civilians_harmed` whoever the target)."""
    hostile, target_role = pl.col("act.hostile").fill_null(False), pl.col("target.role")
    mistaken = (
        pl.col("intended_target.role").is_not_null()
        & target_role.is_not_null()
        & (
            pl.col("intended_target.party").ne_missing(pl.col("target.party"))
            | pl.col("intended_target.role").ne_missing(target_role)
        )
    )
    unresolved = {"actor_unresolved": "actor.role", "target_unresolved": "target.role", "act_unresolved": "act"}
    conditions = {
        **{flag: hostile & (target_role == role) for role, flag in HARM_FLAGS.items()},
        "mistaken_target": mistaken,
        "implausible_time": pl.col("time.implausible").fill_null(False),
        "place_unresolved": pl.col("place.unresolved"),
        "mutual": pl.col("mutual"),
        "phase_unknown": pl.col("phase").cast(pl.String()).eq_missing(UNKNOWN),
        **{flag: pl.col(field) == UNKNOWN for flag, field in unresolved.items()},
    }
    raised = pl.col("record.flags")  # flags the record raises itself: only flags of this list mean anything
    conditions = {flag: condition | raised.list.contains(flag) for flag, condition in conditions.items()}
    bits = [
        pl.when(conditions[flag]).then(pl.lit(1 << k, pl.UInt16())).otherwise(pl.lit(0, pl.UInt16()))
        for k, flag in enumerate(FLAGS)
    ]
    return pl.sum_horizontal(bits).cast(pl.UInt16())


def flags_listed(bits: pl.Series) -> pl.Series:
    """Flag bits as sorted lists of flag names, each distinct set of flags made once (a table holds few)."""
    distinct = bits.unique()
    lists = pl.Series([[f for k, f in enumerate(FLAGS) if b >> k & 1] for b in distinct], dtype=_TEXTS)
    return lists.gather(bits.replace_strict(distinct, pl.Series(range(len(distinct)), dtype=pl.UInt32())))


def flag_lists(lists: pl.Expr) -> pl.Expr:
    """Lists of flags each without repeats and sorted: as a report lists them. (`list.sort` on lists of text
    costs seconds per 100,000 lists; a sort inside `list.eval` does not.)"""
    return lists.list.unique().list.eval(pl.element().sort())


def flag_added(lists: pl.Series, flag: str) -> pl.Series:
    """Lists of flags (each sorted, without repeats) with `flag` added to each, kept so. Worked out once per
    distinct list: a table's flags come in few combinations (about 25 times faster than `flag_lists` on 100,000
    lists)."""
    if lists.is_empty():
        return lists
    keys = lists.list.join("\x1f")  # no flag holds a control character
    distinct = keys.unique()
    added = pl.Series([sorted({*k.split("\x1f"), flag} - {""}) for k in distinct], dtype=_TEXTS)
    index = keys.replace_strict(distinct, pl.Series(range(len(distinct)), dtype=pl.UInt32()))
    return added.gather(index).alias(lists.name)


# How grave a verdict is, when one of two directions must be chosen: the graver is the one a monitor must act on.
GRAVITY = ("violation", "undetermined", "permitted", "not_covered")
BOTH_WAYS = "The record does not say which side attacked, so the incident is judged both ways. "


def fold(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per version told: a `mutual` version's two directions (`decide`'s rows) folded into one.

    The folded verdict is the graver of the two (`GRAVITY`); it names every party whose direction gives it
    (`actors`), lists the rules either direction matched and the flags of both, and its explanation says
    that the incident was judged both ways and why. Rows of other versions pass as they are. The result
    has `decide`'s columns but `version` and `direction`, in version order. A folded row says what its two
    directions say, so its `said` numbers the pair (above bit 20, with `FOLDED`): null where either's is.
    """
    columns = [c for c in rows.columns if c not in ("version", "direction")]
    reverse = rows.filter(pl.col("direction") == 1)
    if reverse.is_empty():
        return rows.select(columns)
    both = pl.col("version").is_in(reverse.get_column("version").implode())
    ahead = rows.filter(both & (pl.col("direction") == 0))
    pair = pl.concat([ahead, reverse.select(pl.all().name.suffix("~"))], how="horizontal")
    rank = {v: i for i, v in enumerate(GRAVITY)}
    r0 = pl.col("verdict").replace_strict(rank, return_dtype=pl.UInt8())
    r1 = pl.col("verdict~").replace_strict(rank, return_dtype=pl.UInt8())
    first, same = r0 <= r1, r0 == r1

    def chosen(name: str) -> pl.Expr:
        return pl.when(first).then(pl.col(name)).otherwise(pl.col(f"{name}~")).alias(name)

    unique = {"maintain_order": True}
    other = pl.when(first).then(pl.col("verdict~")).otherwise(pl.col("verdict"))
    other_rule = pl.when(first).then(pl.col("rule~")).otherwise(pl.col("rule")).fill_null("none")
    one_way = pl.concat_str(
        pl.lit(BOTH_WAYS),
        chosen("explanation"),
        pl.lit(" The other way it is "),
        other,
        pl.lit(" (rule "),
        other_rule,
        pl.lit(")."),
    )
    two_ways = pl.concat_str(
        pl.lit(BOTH_WAYS),
        pl.col("explanation"),
        pl.when(pl.col("explanation") != pl.col("explanation~")).then(pl.lit(" ") + pl.col("explanation~")),
        ignore_nulls=True,
    )
    folded = pair.select(
        "incident",
        "version",
        "source",
        chosen("actor"),
        chosen("verdict"),
        chosen("rule"),
        chosen("clause"),
        pl.when(same).then(two_ways).otherwise(one_way).alias("explanation"),
        pl.concat_list("matched", "matched~").list.unique(**unique).alias("matched"),
        flag_lists(pl.concat_list("flags", "flags~")).alias("flags"),
        pl.when(same)
        .then(pl.concat_list("actors", "actors~").list.unique(**unique))
        .otherwise(chosen("actors"))
        .alias("actors"),
        "phase",
        pl.when(pl.col("said").is_not_null() & pl.col("said~").is_not_null())
        .then(pl.struct("said", "said~").rank("dense").cast(pl.UInt64()) * (1 << 20) + FOLDED)
        .alias("said"),
    )
    kept = rows.filter(~both).select("version", *columns)
    return pl.concat([kept, folded.select("version", *columns)]).sort("version").select(columns)


def combine(accounts: pl.DataFrame, ids: pl.Series) -> tuple[pl.DataFrame, pl.Series]:
    """The verdict table (`VERDICTS`): one verdict per incident from its accounts' verdicts; and, for an
    incident told without accounts, the number of what it says (`decide`'s `said`; null for the others).

    `accounts` is `decide`'s table; `ids` the incidents' ids in order. An incident told without
    accounts has its own verdict. Accounts that agree give their verdict (flagged
    `accounts_name_different_actors` when they blame different parties); accounts that differ make
    the incident `disputed`, each account's verdict kept.
    """
    account = pl.struct("source", "actor", *_DECIDED).alias("accounts")
    own = accounts.filter(pl.col("source").is_null()).select(
        "incident", *_DECIDED, pl.lit([], pl.List(ACCOUNT_VERDICT)).alias("accounts"), "said"
    )
    told = accounts.filter(pl.col("source").is_not_null())
    if told.is_empty():
        combined = own
    else:
        grouped = told.group_by("incident", maintain_order=True).agg(
            pl.len().alias("n"),
            pl.col("verdict").n_unique().alias("verdicts"),
            pl.col("rule").n_unique().alias("rules"),
            pl.col("actor").n_unique().alias("blamed"),
            pl.col("verdict", "rule", "clause", "explanation").first(),
            pl.when(pl.col("phase").n_unique() == 1).then(pl.col("phase").first()).otherwise(pl.lit(UNKNOWN)),
            pl.col("matched").list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True),
            pl.col("flags").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
            pl.col("actors").list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True),
            (pl.col("source") + ": " + pl.col("verdict")).alias("told"),  # joined below: `str.join` here is slow
            (pl.col("source") + ": " + pl.col("actor").fill_null("none the ruleset knows")).alias("named"),
            account,
        )
        agree = pl.col("verdicts") == 1
        differ = pl.col("blamed") > 1
        named = pl.col("named").list.join("; ")
        every = pl.when(pl.col("n") > 1).then(pl.lit("every account")).otherwise(pl.lit("the one account"))
        text = (
            pl.when(pl.col("rules") == 1)
            .then(pl.col("explanation"))
            .otherwise(
                pl.concat_str(
                    pl.col("explanation"), pl.lit(" ("), every, pl.lit(" gives "), pl.col("verdict"), pl.lit(")")
                )
            )
        )
        text = (
            pl.when(differ)
            .then(pl.concat_str(text, pl.lit(" The accounts name different actors ("), named, pl.lit(").")))
            .otherwise(text)
        )
        flags = pl.when(agree & differ).then(flag_lists(pl.col("flags").list.concat(pl.lit([ACTORS_DIFFER]))))
        combined_told = grouped.select(
            "incident",
            pl.when(agree).then(pl.col("verdict")).otherwise(pl.lit("disputed")).alias("verdict"),
            pl.when(agree).then(pl.col("rule")).alias("rule"),
            pl.when(agree).then(pl.col("clause")).alias("clause"),
            "phase",
            pl.when(agree)
            .then(text)
            .otherwise(pl.concat_str(pl.lit("The accounts disagree: "), pl.col("told").list.join("; "), pl.lit(".")))
            .alias("explanation"),
            "matched",
            flags.otherwise(pl.col("flags")).alias("flags"),
            "actors",
            "accounts",
            pl.lit(None, pl.UInt64()).alias("said"),
        )
        combined = pl.concat([own, combined_told]).sort("incident", maintain_order=True)
    if combined.height != ids.len():
        raise AssertionError(f"{combined.height} verdicts for {ids.len()} incidents")
    verdicts = combined.select(ids.alias("incident"), *_DECIDED, "accounts").cast(VERDICTS)  # type: ignore[arg-type]
    return verdicts, combined.get_column("said")


_LISTED = ("matched", "flags", "actors")  # list columns of a verdict, tuples in its values


def _values(table: pl.DataFrame, names: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    """Each row's values of the columns `names`, in order, the list columns as tuples."""
    columns = [table.get_column(name).to_list() for name in names]
    return zip(*([tuple(v) for v in c] if name in _LISTED else c for name, c in zip(names, columns)))


def account_verdicts(accounts: pl.DataFrame) -> list[AccountVerdict]:
    """`decide`'s table (or an unnested `accounts` column) as `AccountVerdict` values, one per row."""
    return [AccountVerdict(*row) for row in _values(accounts, AccountVerdict._fields)]


def verdicts_of(table: pl.DataFrame) -> list[Verdict]:
    """The verdict table as `Verdict` values (for the Python API and small reports)."""
    with paused_gc():  # tuples by the thousand, none in a cycle
        told: list[tuple[AccountVerdict, ...]] = [() for _ in range(table.height)]
        listed = table.select(pl.int_range(pl.len()).alias("row"), "accounts").explode("accounts").drop_nulls()
        if not listed.is_empty():
            rows = listed.get_column("row").to_list()
            made = account_verdicts(listed.get_column("accounts").struct.unnest())
            grouped: dict[int, list[AccountVerdict]] = {}
            for row, account in zip(rows, made):
                grouped.setdefault(row, []).append(account)
            for row, group in grouped.items():
                told[row] = tuple(group)
        values = _values(table, Verdict._fields[:-1])
        return [Verdict._make((*row, accounts)) for row, accounts in zip(values, told)]
