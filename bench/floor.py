"""The floor: read an incident table with the fastest reader for its format, write a report of the same
shape with constant values. No ruleset, nothing decided: what no engine reading and writing the same
files can beat. Run alone, in a fresh process: `python -m bench.floor READER SOURCE OUTPUT`.

Readers: `polars-csv` (`pl.read_csv`), `polars-ndjson` (`pl.read_ndjson`), `duckdb-json` (DuckDB's
`read_json`), both JSON readers with an explicit schema; `polars-parquet` (`pl.read_parquet`). This
module imports nothing from `engine` (that would add its import time to the floor).
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

READERS = ("polars-csv", "polars-ndjson", "duckdb-json", "polars-parquet")
NO_RULE = "No rule of the ruleset applies to these facts."

_PLACE = "STRUCT(name VARCHAR, country VARCHAR, admin1 VARCHAR, latitude DOUBLE, longitude DOUBLE, precision_km DOUBLE)"
_TOLL = "STRUCT(killed BIGINT, wounded BIGINT)"
_FACTS = {
    "time": "VARCHAR",
    "actor": "VARCHAR",
    "act": "VARCHAR",
    "target": "VARCHAR",
    "intended_target": "VARCHAR",
    "location": _PLACE,
    "casualties": _TOLL,
}
_ACCOUNT = "STRUCT(source VARCHAR, " + ", ".join(f"{k} {v}" for k, v in _FACTS.items()) + ")[]"
DUCKDB_COLUMNS = {"id": "VARCHAR", **_FACTS, "accounts": _ACCOUNT}


def read(reader: str, source: Path) -> pl.DataFrame:
    """Every column of the table, read."""
    if reader == "polars-csv":
        return pl.read_csv(source, infer_schema=False, schema_overrides={"killed": pl.Int64, "wounded": pl.Int64})
    if reader == "polars-parquet":
        return pl.read_parquet(source)
    if reader == "polars-ndjson":
        from bench.data import JSONL_SCHEMA

        return pl.read_ndjson(source, schema=JSONL_SCHEMA)
    if reader == "duckdb-json":
        import duckdb

        columns = ", ".join(f"'{k}': '{v}'" for k, v in DUCKDB_COLUMNS.items())
        path = str(source).replace("'", "''")
        return duckdb.sql(
            f"SELECT * FROM read_json('{path}', format = 'newline_delimited', columns = {{{columns}}})"
        ).pl()
    raise ValueError(f"unknown reader `{reader}`; expected one of {', '.join(READERS)}")


def report(frame: pl.DataFrame) -> pl.DataFrame:
    """A verdict line per incident, with the report's fields, saying nothing."""
    nothing = pl.lit([], dtype=pl.List(pl.String))
    return frame.select(
        pl.col("id").alias("incident"),
        pl.lit("undetermined").alias("verdict"),
        pl.lit(None, dtype=pl.String).alias("rule"),
        pl.lit(None, dtype=pl.String).alias("clause"),
        pl.lit(None, dtype=pl.String).alias("phase"),
        pl.lit(NO_RULE).alias("explanation"),
        nothing.alias("matched"),
        nothing.alias("flags"),
        nothing.alias("actors"),
        nothing.alias("accounts"),
    )


def main(argv: list[str]) -> int:
    reader, source, output = argv
    report(read(reader, Path(source))).write_ndjson(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
