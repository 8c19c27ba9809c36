"""Synthetic ACLED exports: rows in ACLED's exact column layout, made up (ACLED's own rows may not be shared).

`acled_frame(count, seed)` draws `count` rows as a polars frame of text columns, column for column as an
ACLED CSV export (2023 schema) has them; `write_acled_csv` writes them. The same seed gives the same rows.
Rows are drawn column by column (a hash of the row number picks from each pool), so a million take seconds:
the benchmark's 1M-row table and the tests' small ones come from here. Names, acts and places are those of
the Syria 2016 rulesets in ACLED's spellings, with some it does not know; a tenth of rows are abroad.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from engine.incidents.eventdata import ACLED_COLUMNS

if TYPE_CHECKING:
    import polars as pl

# (disorder type, event type, sub-event type), with how often each is drawn.
EVENTS = (
    ("Political violence", "Battles", "Armed clash", 25),
    ("Political violence", "Battles", "Government regains territory", 2),
    ("Political violence", "Battles", "Non-state actor overtakes territory", 2),
    ("Political violence", "Explosions/Remote violence", "Shelling/artillery/missile attack", 25),
    ("Political violence", "Explosions/Remote violence", "Air/drone strike", 15),
    ("Political violence", "Explosions/Remote violence", "Remote explosive/landmine/IED", 6),
    ("Political violence", "Violence against civilians", "Attack", 10),
    ("Political violence", "Violence against civilians", "Abduction/forced disappearance", 2),
    ("Demonstrations", "Protests", "Peaceful protest", 5),
    ("Strategic developments", "Strategic developments", "Change to group/activity", 5),
    ("Strategic developments", "Strategic developments", "Looting/property destruction", 3),
)
# (actor, inter code), with how often each is drawn: the parties of the Syria rulesets as ACLED spells them.
ACTORS = (
    ("Military Forces of Syria (2000-)", 1, 30),
    ("Military Forces of Syria (2000-) Air Force", 1, 5),
    ("Military Forces of Russia (2000-)", 8, 10),
    ("Opposition Rebels (Syria)", 2, 12),
    ("Islamic State (Syria)", 2, 10),
    ("JFS: Al Nusra Front", 2, 6),
    ("Military Forces of the United States", 8, 4),
    ("SDF: Syrian Democratic Forces", 2, 5),
    ("Military Forces of Turkey", 8, 3),
    ("Unidentified Armed Group (Syria)", 3, 10),
    ("Hezbollah", 8, 2),
    ("Protesters (Syria)", 6, 3),
)
TARGETS = (
    *ACTORS[:-1],
    ("Civilians (Syria)", 7, 15),
    ("", 0, 15),
)
ASSOCIATED = ("Military Forces of Russia (2000-)", "NDF: National Defence Forces", "Hezbollah", "Liwa al-Quds")
# (country, iso, admin1, admin2, admin3, location, latitude, longitude)
PLACES = (
    ("Syria", 760, "Aleppo", "Jebel Saman", "Jebel Saman", "Aleppo - Bustan al Qasr", 36.1976, 37.1518),
    ("Syria", 760, "Aleppo", "Jebel Saman", "Haritan", "Castello Road", 36.2457, 37.1312),
    ("Syria", 760, "Aleppo", "Al Bab", "Al Bab", "Al Bab", 36.3704, 37.5157),
    ("Syria", 760, "Idleb", "Idleb", "Idleb", "Idleb", 35.9306, 36.6339),
    ("Syria", 760, "Idleb", "Ariha", "Ariha", "Ariha", 35.8128, 36.6097),
    ("Syria", 760, "Idleb", "Maarrat An Nu'man", "Khan Shaykun", "Khan Shaykhun", 35.4421, 36.6485),
    ("Syria", 760, "Hama", "As-Suqaylabiyah", "Madiq Castle", "Kafr Nabudah", 35.3915, 36.4894),
    ("Syria", 760, "Homs", "Ar-Rastan", "Talbiseh", "Talbiseh", 34.8406, 36.7303),
    ("Syria", 760, "Rural Damascus", "Duma", "Duma", "Duma", 33.5711, 36.4016),
    ("Syria", 760, "Deir-ez-Zor", "Deir-ez-Zor", "Deir-ez-Zor", "Deir ez Zor Airport", 35.2854, 40.1758),
    ("Syria", 760, "Dar'a", "Dar'a", "Dar'a", "Dar'a", 32.6189, 36.1021),
    ("Syria", 760, "Lattakia", "Al-Haffa", "Kansaba", "Kabani", 35.7683, 36.1686),
    ("Iraq", 368, "Ninewa", "Mosul", "Mosul", "Mosul", 36.3450, 43.1450),
    ("Turkey", 792, "Kilis", "Kilis", "Kilis", "Kilis", 36.7184, 37.1212),
)
ABROAD = 2  # the last places are outside Syria: drawn for about a tenth of rows
SOURCES = ("SOHR", "SANA", "Step News Agency", "Enab Baladi", "Smart News Agency", "Reuters; AFP", "Liveuamap")
SCALES = ("National", "Local partner-National", "International", "Regional", "Other")
FORMS = ("%Y-%m-%d", "%d %B %Y")  # as ACLED's site and API write `event_date`; drawn nine to one
FIRST_DAY = date(2016, 9, 5)  # the week before the September 2016 cessation to the week after it
DAYS = 22


def acled_frame(count: int, seed: int = 0, start: int = 0) -> pl.DataFrame:
    """`count` synthetic ACLED rows (text columns `ACLED_COLUMNS`), numbered from `start`; the same for a seed."""
    import polars as pl

    row = pl.int_range(start, start + count, dtype=pl.UInt64())

    def draw(salt: int, size: int) -> pl.Expr:
        return (row.hash(seed * 1_000 + salt) % size).cast(pl.Int64())

    def pick(salt: int, values: Sequence[object], weights: Sequence[int] | None = None) -> pl.Expr:
        if weights is None:
            return pl.lit(pl.Series(values)).gather(draw(salt, len(values)))
        spread = [v for v, w in zip(values, weights, strict=True) for _ in range(w)]
        return pl.lit(pl.Series(spread)).gather(draw(salt, len(spread)))

    def chance(salt: int, percent: int) -> pl.Expr:
        return draw(salt, 100) < percent

    event = pick(1, list(range(len(EVENTS))), [e[3] for e in EVENTS])
    actor = pick(2, list(range(len(ACTORS))), [a[2] for a in ACTORS])
    target = pick(3, list(range(len(TARGETS))), [t[2] for t in TARGETS])
    # A battle is fought between armed groups (ACLED's codebook): its second actor is one of them, never
    # civilians or no one.
    battle = pl.lit(pl.Series([e[1] == "Battles" for e in EVENTS])).gather(event)
    armed = len(ACTORS) - 1  # TARGETS' first entries: the armed actors
    target = pl.when(battle & (target >= armed)).then(draw(18, armed)).otherwise(target)
    abroad = chance(4, 10)
    place = pl.when(abroad).then(len(PLACES) - ABROAD + draw(5, ABROAD)).otherwise(draw(5, len(PLACES) - ABROAD))
    day = draw(6, DAYS)
    precision = pick(7, [1, 2, 3], [90, 8, 2])
    geo = pick(8, [1, 2, 3], [70, 25, 5])
    killed = pl.when(chance(9, 55)).then(0).otherwise(draw(10, 12))
    frame = pl.select(
        row.alias("n"),
        event.alias("event"),
        actor.alias("actor"),
        target.alias("target"),
        place.alias("place"),
        day.alias("day"),
        precision.alias("time_precision"),
        geo.alias("geo_precision"),
        killed.alias("fatalities"),
        chance(11, 10).alias("long_date"),
        chance(12, 30).alias("assoc1"),
        chance(13, 10).alias("assoc2"),
        pick(14, ASSOCIATED).alias("assoc_actor"),
        pick(15, SOURCES).alias("source"),
        pick(16, SCALES).alias("source_scale"),
        draw(17, 1000).alias("jitter"),
    )
    days = [FIRST_DAY + timedelta(days=d) for d in range(DAYS)]
    iso_day = pl.lit(pl.Series([d.isoformat() for d in days])).gather(pl.col("day"))
    long_day = pl.lit(pl.Series([f"{d.day} {d:%B %Y}" for d in days])).gather(pl.col("day"))

    def of(table: Sequence[tuple[object, ...]], index: str, field: int) -> pl.Expr:
        return pl.lit(pl.Series([entry[field] for entry in table])).gather(pl.col(index))

    text = pl.String()
    target_name = of(TARGETS, "target", 0)
    sub_event = of(EVENTS, "event", 2)
    inter1, inter2 = of(ACTORS, "actor", 1), of(TARGETS, "target", 1)
    low, high = pl.min_horizontal(inter1, inter2), pl.max_horizontal(inter1, inter2)
    # ACLED marks `civilian_targeting` where civilians are the main or only target: every violence against
    # civilians, and explosions or remote violence aimed at them; never a battle.
    event_type = of(EVENTS, "event", 1)
    civilians = (event_type == "Violence against civilians") | (
        (event_type == "Explosions/Remote violence") & (inter2 == 7)
    )
    out = frame.select(
        pl.format("SYR{}", pl.col("n") + 100_000).alias("event_id_cnty"),
        pl.when(pl.col("long_date")).then(long_day).otherwise(iso_day).alias("event_date"),
        pl.lit("2016").alias("year"),
        pl.col("time_precision").cast(text),
        of(EVENTS, "event", 0).alias("disorder_type"),
        event_type.alias("event_type"),
        sub_event.alias("sub_event_type"),
        of(ACTORS, "actor", 0).alias("actor1"),
        pl.when(pl.col("assoc1")).then(pl.col("assoc_actor")).otherwise(pl.lit("")).alias("assoc_actor_1"),
        inter1.cast(text).alias("inter1"),
        target_name.alias("actor2"),
        pl.when(pl.col("assoc2") & (target_name != ""))
        .then(pl.lit("Civilians (Syria)"))
        .otherwise(pl.lit(""))
        .alias("assoc_actor_2"),
        pl.when(inter2 == 0).then(pl.lit("0")).otherwise(inter2.cast(text)).alias("inter2"),
        pl.when(low == 0).then(high * 10).otherwise(low * 10 + high).cast(text).alias("interaction"),
        pl.when(civilians).then(pl.lit("Civilian targeting")).otherwise(pl.lit("")).alias("civilian_targeting"),
        of(PLACES, "place", 1).cast(text).alias("iso"),
        pl.lit("Middle East").alias("region"),
        of(PLACES, "place", 0).alias("country"),
        of(PLACES, "place", 2).alias("admin1"),
        of(PLACES, "place", 3).alias("admin2"),
        of(PLACES, "place", 4).alias("admin3"),
        of(PLACES, "place", 5).alias("location"),
        (of(PLACES, "place", 6) + pl.col("jitter") / 100_000).round(4).cast(text).alias("latitude"),
        (of(PLACES, "place", 7) - pl.col("jitter") / 100_000).round(4).cast(text).alias("longitude"),
        pl.col("geo_precision").cast(text),
        pl.col("source"),
        pl.col("source_scale"),
        pl.format(
            "On {}, {} and {} were reported in {} ({}), {}. [synthetic row]",
            iso_day,
            sub_event.str.to_lowercase(),
            pl.when(target_name == "").then(pl.lit("no second actor")).otherwise(target_name),
            of(PLACES, "place", 5),
            of(PLACES, "place", 2),
            pl.when(pl.col("fatalities") == 0)
            .then(pl.lit("no fatalities"))
            .otherwise(pl.format("{} killed", pl.col("fatalities"))),
        ).alias("notes"),
        pl.col("fatalities").cast(text),
        pl.lit("").alias("tags"),
        (pl.lit(1_474_000_000) + pl.col("n") % 1_000_000).cast(text).alias("timestamp"),
    )
    return out.select(ACLED_COLUMNS)


def write_acled_csv(path: Path, count: int, seed: int = 0, chunk: int = 250_000) -> None:
    """`count` synthetic ACLED rows as an ACLED CSV export (header `ACLED_COLUMNS`), written a chunk at a time."""
    import polars as pl

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for start in range(0, max(count, 1), chunk):
            part = acled_frame(min(chunk, count - start), seed, start)
            # an empty cell is written empty, as ACLED writes it (polars would quote an empty text)
            part = part.with_columns(pl.all().replace("", None))
            part.write_csv(out, include_header=start == 0)


def main(argv: Sequence[str] | None = None) -> None:
    from engine.cli.main import whole_number

    p = argparse.ArgumentParser(
        prog="python -m engine.incidents.synthetic_events",
        description="Write synthetic rows in ACLED's CSV export layout (2023 schema).",
        epilog="example:\n  python -m engine.incidents.synthetic_events 1000000 -o bench/out/acled-1000000.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("count", type=whole_number(1, said="expected at least 1"), help="how many rows (at least 1)")
    p.add_argument("--output", "-o", type=Path, required=True, help="the CSV file to write (.csv)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.output.suffix.lower() != ".csv":
        p.error(f"{args.output}: an ACLED export is a CSV file; name it .csv")
    write_acled_csv(args.output, args.count, args.seed)


if __name__ == "__main__":
    main()
