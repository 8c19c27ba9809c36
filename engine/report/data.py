"""Reports for programs: JSON, JSON Lines and Parquet, written from the verdict table in batches.

Every format carries every field of a verdict (`engine.evaluation.decide.VERDICTS`), and for an event
dataset's export the record's own fields (`Report.record`: one object named `acled` or `ucdp`), encoded
the same way: compact JSON (`,` and `:` with no spaces, text as UTF-8), the same bytes for the same inputs
whatever the engine but for the engine's name in the JSON header.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import IO, Any, BinaryIO

import polars as pl

from engine.errors import Problem
from engine.evaluation.result import Report, Skipped
from engine.ruleset.model import VERDICTS

BATCH = 50_000  # verdicts encoded at a time: memory stays flat however long the report


def dump(value: Any) -> str:
    """Compact JSON, as the verdict lines are encoded."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encoded(report: Report) -> Iterator[pl.DataFrame]:
    """The verdicts as JSON objects, in batches of `BATCH`: each batch a frame of two text columns, `head` (the
    object up to its incident's id, `{"incident":"a1"`) and `tail` (the rest, from the next field's name), a
    verdict's line the two joined by a comma (`_write_lines` joins them as it writes).

    Verdicts that say the same (most of a large table's) share their `tail`: each distinct one is encoded once.
    An export's own record of each incident (`Report.record`) comes after the verdict's fields, laid into `tail`.
    """
    table, said, records = report.table, report.said, report.record
    for start in range(0, table.height, BATCH):
        batch = table.slice(start, BATCH)
        record = None if records is None else records.slice(start, BATCH).to_series().struct.json_encode()
        if said is None:
            numbers = pl.repeat(None, batch.height, dtype=pl.UInt64(), eager=True)
        else:
            numbers = said.slice(start, BATCH)
        alike = numbers.is_not_null()
        if alike.all():
            tails = _shared(batch, numbers, record is not None)
        elif not alike.any():
            tails = _tails(batch, record is not None)
        else:
            tails = (
                pl.repeat(None, batch.height, dtype=pl.String(), eager=True)
                .scatter(alike.arg_true(), _shared(batch.filter(alike), numbers.filter(alike), record is not None))
                .scatter((~alike).arg_true(), _tails(batch.filter(~alike), record is not None))
            )
        if record is not None:  # the verdict's object left open: the record, then the object's end
            tails = pl.select(pl.concat_str(tails, pl.lit(f',"{record.name}":'), record, pl.lit("}"))).to_series()
        heads = batch.select(pl.struct("incident").struct.json_encode().str.head(-1).alias("head"))
        yield heads.with_columns(tails.alias("tail"))


def _encoded_ahead(reports: Iterable[Report]) -> Iterator[tuple[Report, pl.DataFrame | None]]:
    """Each report's batches of `encoded` verdicts, then the report with None once its batches are given: a batch
    is encoded on a thread of its own while the caller writes the one before."""
    from engine.ahead import read_ahead

    def batches() -> Iterator[tuple[Report, pl.DataFrame | None]]:
        for report in reports:
            yield from ((report, lines) for lines in encoded(report))
            yield report, None

    return read_ahead(batches())


def _tails(verdicts: pl.DataFrame, open_: bool = False) -> pl.Series:
    """Each verdict's object from the field after its incident's id on (with `open_`, without its `}`)."""
    body = pl.struct(pl.all().exclude("incident", "said")).struct.json_encode().str.tail(-1)
    return verdicts.select(body.str.head(-1) if open_ else body).to_series()


def _shared(verdicts: pl.DataFrame, said: pl.Series, open_: bool = False) -> pl.Series:
    """`_tails` of verdicts, each distinct one (by its `said` number) encoded once."""
    first = verdicts.with_columns(said.alias("said")).unique("said", keep="first")
    return said.replace_strict(first.get_column("said"), _tails(first, open_), return_dtype=pl.String())


def _write_lines(lines: pl.DataFrame, out: IO[str], end: str = "\n") -> None:
    """Each line of `encoded` (its head and tail joined by a comma) and `end` after it, written from polars' own
    buffer where `out` has a binary one beneath."""
    if lines.is_empty():
        return
    raw = getattr(out, "buffer", None)
    if raw is None:
        out.write("".join(f"{head},{tail}{end}" for head, tail in lines.iter_rows()))
        return
    out.flush()
    try:
        lines.write_csv(raw, include_header=False, quote_style="never", separator=",", line_terminator=end)
    except OSError as exc:  # polars words the system's error as a plain OSError: say it as Python would
        code = exc.errno or _os_error(str(exc))
        if code == errno.EPIPE or "broken pipe" in str(exc).lower():
            raise BrokenPipeError(errno.EPIPE, "Broken pipe") from None
        if code:
            raise OSError(code, os.strerror(code)) from None  # a full disk: one line, as for the other formats
        raise


def _os_error(message: str) -> int | None:
    """The system's error number in a message polars gives (`No space left on device (os error 28)`), if any."""
    found = re.search(r"\(os error ([0-9]+)\)", message)
    return int(found[1]) if found else None


def write_json(reports: Iterable[Report], out: IO[str]) -> None:
    """One JSON document: the run's header, one verdict a line, then the summary; byte-identical for the same inputs.

    `reports` are the run's parts in order (one, or a table's batches): the first gives the header, the last
    the truce over time and the rows skipped as bad (`skipped`, only where there are any: see `skipped_json`).
    """
    counts: Counter[str] = Counter()
    written = 0
    last: Report | None = None
    for report, lines in _encoded_ahead(reports):
        if last is None:
            head = {"scenario": report.scenario, "ruleset": report.compiled.id, "engine": report.engine}
            out.write(dump(head)[:-1] + ',\n"verdicts":[')
        last = report
        if lines is None:
            counts.update(report.summary())
            continue
        out.write(",\n" if written else "\n")
        _write_lines(lines.head(-1), out, ",\n")
        out.write(",".join(lines.row(-1)))
        written += lines.height
    out.write("\n],\n" if written else "],\n")
    if last is not None:
        # the rows skipped are known once the input has been read through: the last part carries them
        for key, value in (over_time(last) | skipped_entry(last.skipped)).items():
            out.write(f'"{key}":' + dump(value) + ",\n")
    out.write('"summary":' + dump({name: counts.get(name, 0) for name in VERDICTS}) + "}\n")


def over_time(report: Report) -> dict[str, Any]:
    """The truce over time, for a JSON report: `phases` (each with its clause, from and until in the ruleset's zone)
    where the ruleset declares phases, `escalation` (episodes: party, from, until, violations) where it sets
    escalation terms; nothing for a ruleset with neither."""
    from engine.report.render import moment_text

    out: dict[str, Any] = {}
    if report.compiled.phases:
        out["phases"] = [
            {
                "phase": b.phase,
                "clause": b.clause,
                "from": moment_text(report, b.start),
                "until": moment_text(report, b.until) or None,
            }
            for b in report.phases
        ]
    if report.compiled.escalation is not None:
        out["escalation"] = [
            {
                "party": e.party,
                "from": moment_text(report, e.start),
                "until": moment_text(report, e.until),
                "violations": e.violations,
            }
            for e in report.episodes
        ]
    return out


def skipped_json(skipped: Skipped) -> dict[str, Any]:
    """The input's rows skipped as bad, for a JSON report: `rows`, how many; `first`, the first few (see
    `Skipped`), each with its `line` (Parquet: its `row`, as the warning numbers it) and the `message` the
    warning on stderr gives."""
    from engine.incidents.load import row_of

    def at(p: Problem) -> dict[str, int | None]:
        return {"line": p.line} if p.line is not None else {"row": row_of(p)}

    return {"rows": skipped.rows, "first": [at(p) | {"message": p.message} for p in skipped.first]}


def skipped_entry(skipped: Skipped) -> dict[str, Any]:
    """`{"skipped": skipped_json(skipped)}` where the input had rows skipped as bad, else `{}`: laid into a report's
    JSON object, which says nothing of them where there were none (its bytes as they were before reports said
    them)."""
    return {"skipped": skipped_json(skipped)} if skipped.rows else {}


def write_jsonl(reports: Iterable[Report], out: IO[str]) -> dict[str, int]:
    """One verdict object a line, and nothing else; the counts of each verdict are returned for the caller to show."""
    counts: Counter[str] = Counter()
    for report, lines in _encoded_ahead(reports):
        if lines is None:
            counts.update(report.summary())
        else:
            _write_lines(lines, out)
    return {name: counts.get(name, 0) for name in VERDICTS}


def write_parquet(reports: Iterable[Report], out: BinaryIO) -> None:
    """One row per verdict, every field a typed column (`accounts` a list of structs), written batch by batch."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    writer = None
    for report in reports:
        table = report.table if report.record is None else pl.concat([report.table, report.record], how="horizontal")
        batch = table.to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(out, batch.schema, write_statistics=False)
        writer.write_table(batch)
    if writer is not None:
        writer.close()
