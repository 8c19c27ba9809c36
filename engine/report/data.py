"""Reports for programs: JSON, JSON Lines and Parquet, written from the verdict table in batches.

Every format carries every field of a verdict (`engine.evaluation.decide.VERDICTS`), encoded the same
way: compact JSON (`,` and `:` with no spaces, text as UTF-8), the same bytes for the same inputs
whatever the engine but for the engine's name in the JSON header.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any, BinaryIO

import polars as pl

from engine.evaluation.result import Report

BATCH = 100_000  # verdicts encoded at a time: memory stays flat however long the report


def dump(value: Any) -> str:
    """Compact JSON, as the verdict lines are encoded."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encoded(report: Report) -> Iterator[pl.Series]:
    """The verdicts as JSON objects, one text per verdict, in batches of `BATCH`.

    Verdicts that say the same (most of a large table's) share their encoding: each distinct one is
    encoded once and only the incident's id is laid in front.
    """
    table, said = report.table, report.said
    for start in range(0, table.height, BATCH):
        batch = table.slice(start, BATCH)
        numbers = (
            said.slice(start, BATCH) if said is not None else pl.Series(values=[None] * batch.height, dtype=pl.UInt64())
        )
        alike = numbers.is_not_null()
        texts = pl.Series(values=[None] * batch.height, dtype=pl.String())
        if alike.any():
            first = batch.with_columns(numbers.alias("said")).filter(alike).unique("said", keep="first")
            bodies = first.select(pl.struct(pl.all().exclude("incident", "said")).struct.json_encode()).to_series()
            ids = batch.filter(alike).select(pl.struct("incident").struct.json_encode()).to_series()
            body = numbers.filter(alike).replace_strict(first.get_column("said"), bodies, return_dtype=pl.String())
            joined = pl.select(pl.concat_str(ids.str.head(-1), pl.lit(","), body.str.tail(-1))).to_series()
            texts = texts.scatter(alike.arg_true(), joined)
        rest = (~alike).arg_true()
        if len(rest):
            whole = batch.gather(rest).select(pl.struct(pl.all()).struct.json_encode()).to_series()
            texts = texts.scatter(rest, whole)
        yield texts


def _write_lines(texts: pl.Series, out: IO[str]) -> None:
    """Each text as a line, written from polars' own buffer where `out` has a binary one beneath."""
    raw = getattr(out, "buffer", None)
    if raw is None:
        out.write("\n".join(texts) + "\n")
        return
    out.flush()
    texts.to_frame().write_csv(raw, include_header=False, quote_style="never", line_terminator="\n")


def write_json(report: Report, out: IO[str]) -> None:
    """One JSON document: the run's header, one verdict a line, then the summary; byte-identical for the same inputs."""
    head = {"scenario": report.scenario, "ruleset": report.compiled.id, "engine": report.engine}
    out.write(dump(head)[:-1] + ',\n"verdicts":[')
    first = True
    for texts in encoded(report):
        out.write("\n" if first else ",\n")
        _write_lines(texts.head(-1) + ",", out)
        out.write(texts[-1])
        first = False
    out.write("\n],\n" if report.count else "],\n")
    out.write('"summary":' + dump(report.summary()) + "}\n")


def write_jsonl(report: Report, out: IO[str]) -> None:
    """One verdict object a line, and nothing else (the summary is the caller's to show)."""
    for texts in encoded(report):
        _write_lines(texts, out)


def write_parquet(report: Report, out: BinaryIO) -> None:
    """One row per verdict, every field a typed column (`accounts` a list of structs)."""
    report.table.write_parquet(out, statistics=False)
