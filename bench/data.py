"""The benchmark's incident files, made on first use in bench/out/ and reused.

JSON Lines come from `engine.incidents.synthetic.write_jsonl` (10% of incidents with accounts). CSV and
Parquet come from the same module's `write_csv` / `write_parquet` where it has them, else from the JSON
Lines file through polars (same incidents: CSV without accounts, as CSV has none). A file larger than
the generated one is the generated one tiled with fresh ids, written a tile at a time: generating ten
million incidents in Python would take a quarter of an hour, and the rules see the same mix either way.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SEED = 2016
GENERATED_MAX = 1_000_000  # larger files are tiled from this many generated incidents

CSV_COLUMNS = ("id", "time", "actor", "act", "target", "intended_target", "admin1", "killed", "wounded")
FORMATS = ("jsonl", "csv", "parquet")

# The JSON Lines file as written by the generator: nested location and casualties, accounts as a list.
_PLACE = pl.Struct(
    {
        "name": pl.String,
        "country": pl.String,
        "admin1": pl.String,
        "latitude": pl.Float64,
        "longitude": pl.Float64,
        "precision_km": pl.Float64,
    }
)
_TOLL = pl.Struct({"killed": pl.Int64, "wounded": pl.Int64})
_FACTS = {
    "time": pl.String,
    "actor": pl.String,
    "act": pl.String,
    "target": pl.String,
    "intended_target": pl.String,
    "location": _PLACE,
    "casualties": _TOLL,
}
JSONL_SCHEMA = {"id": pl.String, **_FACTS, "accounts": pl.List(pl.Struct({"source": pl.String, **_FACTS}))}


def path_of(count: int, fmt: str) -> Path:
    """Where the file of `count` generated incidents lives; named by the generator's columns too, so that a
    file made by an older generator is never timed in place of the current one."""
    return OUT / f"incidents-{count}-{_columns_tag()}.{fmt}"


def _columns_tag() -> str:
    """The generated files' tag: of the columns and of the generators' code, so that a file an older generator made
    (its rows as the readers then took them) is never timed in place of the current one's."""
    import hashlib

    from engine.incidents import synthetic, synthetic_events
    from engine.incidents.frame import INCIDENTS
    from engine.incidents.load import TABLE_COLUMNS

    made_by = [Path(m.__file__).read_text(encoding="utf-8") for m in (synthetic, synthetic_events) if m.__file__]
    return hashlib.sha256(repr((INCIDENTS, TABLE_COLUMNS, made_by)).encode()).hexdigest()[:8]


def incidents_file(count: int, fmt: str = "jsonl", tile_from: int | None = None) -> Path:
    """The file of `count` generated incidents in format `fmt` (jsonl, csv, parquet), made if missing.

    Past `GENERATED_MAX` incidents, or with `tile_from`, the file of that many generated incidents is
    tiled instead (`incidents-COUNT-TAG-tiled.FMT`).
    """
    if count > GENERATED_MAX and tile_from is None:
        tile_from = GENERATED_MAX
    if tile_from is not None and tile_from < count:
        path = OUT / f"incidents-{count}-{_columns_tag()}-tiled.{fmt}"
        if not path.exists():
            _tile(incidents_file(tile_from, fmt), path, count)
        return path
    path = path_of(count, fmt)
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    _say(f"generating {count:,} incidents as {fmt} ({path.name})")
    from engine.incidents import synthetic

    partial = path.with_suffix(path.suffix + ".part")
    if fmt == "jsonl":
        synthetic.write_jsonl(partial, count, SEED)
    elif hasattr(synthetic, f"write_{fmt}"):
        getattr(synthetic, f"write_{fmt}")(partial, count, SEED)
    else:
        _convert(incidents_file(count, "jsonl"), partial, fmt)
    partial.replace(path)
    return path


def _flat(facts: pl.Expr | None = None) -> list[pl.Expr]:
    """The table columns (but id) from the generator's nested fields, of an incident or of an account."""

    def field(name: str) -> pl.Expr:
        return facts.struct.field(name) if facts is not None else pl.col(name)

    return [
        *(field(k).alias(k) for k in ("time", "actor", "act", "target", "intended_target")),
        field("location").struct.field("admin1").alias("admin1"),
        field("casualties").struct.field("killed").alias("killed"),
        field("casualties").struct.field("wounded").alias("wounded"),
    ]


def _convert(source: Path, target: Path, fmt: str) -> None:
    """CSV (the table columns) or Parquet (the same, and accounts as a list of flat structs) from JSON Lines.

    As `engine.incidents.synthetic` writes them: a location's name and country are dropped.
    """
    frame = pl.read_ndjson(source, schema=JSONL_SCHEMA)
    columns = [pl.col("id"), *_flat()]
    if fmt == "csv":
        frame.select(columns).write_csv(target)
    elif fmt == "parquet":
        account = pl.struct(pl.element().struct.field("source"), *_flat(pl.element()))
        accounts = pl.col("accounts").fill_null([]).list.eval(account)
        frame.select(*columns, accounts.alias("accounts")).write_parquet(target)
    else:
        raise ValueError(f"no converter to {fmt}")


def _tile(source: Path, target: Path, count: int) -> None:
    """`count` incidents: the `source` CSV's rows repeated, tile k's ids prefixed `k.`, a tile at a time."""
    _say(f"tiling {source.name} to {count:,} incidents ({target.name})")
    if target.suffix != ".csv":
        raise ValueError(f"tiling {target.suffix} is not supported; generate it instead")
    base = pl.read_csv(source, infer_schema=False)  # every cell as text: written back as read
    partial = target.with_suffix(target.suffix + ".part")
    done = 0
    with partial.open("wb") as out:
        for k in range((count + base.height - 1) // base.height):
            tile = base.head(count - done).with_columns((pl.lit(f"{k}.") + pl.col("id")).alias("id"))
            tile.write_csv(out, include_header=k == 0)
            done += tile.height
    partial.replace(target)


def _say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def acled_files(count: int) -> tuple[Path, Path]:
    """A synthetic ACLED export of `count` rows (`engine.incidents.synthetic_events`, seed `SEED`) and the same
    rows as ceasefire's own CSV table (the incidents the export reader makes of them, `TABLE_COLUMNS`), made if
    missing: what reading an export costs beyond reading its incidents."""
    from engine.incidents.eventdata import EventTable
    from engine.incidents.load import TABLE_COLUMNS
    from engine.incidents.synthetic_events import write_acled_csv

    export = OUT / f"acled-{count}-{_columns_tag()}.csv"
    plain = OUT / f"acled-{count}-{_columns_tag()}-plain.csv"
    if not export.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        _say(f"generating {count:,} ACLED rows ({export.name})")
        partial = export.with_suffix(".part")
        write_acled_csv(partial, count, SEED)
        partial.replace(export)
    if not plain.exists():
        _say(f"writing the same rows as a plain CSV table ({plain.name})")
        partial = plain.with_suffix(".part")
        with partial.open("wb") as out:
            for i, batch in enumerate(EventTable(export, "acled").batches()):
                batch.select(TABLE_COLUMNS).write_csv(out, include_header=i == 0)
        partial.replace(plain)
    return export, plain
