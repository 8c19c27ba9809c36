"""Incident tables read straight into an incident frame (`engine.incidents.frame`), column by column.

`read_table` reads a CSV, JSON Lines or Parquet table with a columnar reader and checks it with
vectorized expressions; no Python object is made per row. Every check is one the row reader
(`engine.incidents.load.load_incidents`) and the `Incident` model also make, or stricter: when one
fails, or cannot be sure (a stray quote, a blank line, a backslash escape near a control code...), the
row reader reads the file again and raises its exact one-line `InputError`. Should it accept the file
after all, its incidents become the frame: a fast check too strict costs speed, never a verdict.

Readers, chosen by measurement (see the commit's notes): polars' CSV reader (all columns as text,
counts checked and cast), pyarrow's JSON reader with an explicit schema (the only one of polars,
DuckDB and pyarrow that refuses an unknown key, a count written as text or a name written as a
number, rather than dropping or converting it), polars' Parquet reader. Parquet, which the row reader
does not read, has its own exact row-by-row check (`_parquet_rows`) behind the fast one.
"""

from __future__ import annotations

import io
import re
import stat
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import TypeAdapter, ValidationError

from engine.errors import InputError, Problem, did_you_mean
from engine.incidents.frame import INCIDENTS, frame_of
from engine.incidents.load import TABLE_COLUMNS, TABLE_LIMIT, load_incidents
from engine.incidents.model import MAX_COUNT, Incident
from engine.ruleset.model import VERDICTS
from engine.times import TIME_YEARS, MomentOrDay, read_time
from engine.validation import problems_from
from engine.yamlsafe import Document, control_message, stat_of

ROW_TABLES = (".jsonl", ".ndjson", ".csv")  # what the row reader reads


COUNTS = ("killed", "wounded")


# The facts an account may give in a flat table (CSV's columns but `id`), and a Parquet table's columns.
ACCOUNT_COLUMNS = ("source", *(c for c in TABLE_COLUMNS if c != "id"))
PARQUET_COLUMNS = (*TABLE_COLUMNS, "accounts")


# engine.yamlsafe.CONTROL in the regex dialect polars speaks (Rust's): the same code points.
_CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"


_COUNT = r"^-?[0-9]+$"  # as the CSV reader's: plain ASCII digits, no `+`, `_`, exponent or point


class _Unsure(Exception):
    """A fast check failed, or cannot be sure of the file: the exact reader decides."""


def read_table(path: Path | str) -> pl.DataFrame:
    """An incident table as an incident frame (`INCIDENTS`: one row per incident, in file order).

    Formats, by suffix: `.csv` (a header naming columns from `TABLE_COLUMNS`, as the row reader reads
    it), `.jsonl` / `.ndjson` (one incident object a line, as in a scenario file), and `.parquet` (the
    CSV's flat columns, `killed` and `wounded` of an integer type, the rest text, plus an optional
    `accounts` column: a list of structs with `source` and the same columns but `id`).

    Raises `InputError` with one problem, the row reader's own line for CSV and JSON Lines (the file,
    line, column, what is wrong and what would be right), for Parquet the file, row (1-based) and field,
    or the column and the type expected.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _read_parquet(path)
    if suffix not in ROW_TABLES:
        try:
            load_incidents(path)  # refuses a missing, unreadable or empty file in its own words first
        except InputError as exc:
            if exc.problems[0].message.startswith("unknown table format"):
                raise InputError.at(
                    str(path), f"unknown table format `{suffix}`; expected .jsonl, .csv or .parquet"
                ) from None
            raise
    try:
        raw = _raw(path)
        frame = _csv_frame(raw) if suffix == ".csv" else _jsonl_frame(raw)
    except _Unsure:
        return frame_of(load_incidents(path))
    return frame


# -- bytes -----------------------------------------------------------------------------------------


def _raw(path: Path) -> bytes:
    """The file's bytes, without a UTF-8 BOM, if the row reader would read them as text without a word."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= TABLE_LIMIT:
            raise _Unsure
        with path.open("rb") as stream:
            raw = stream.read(TABLE_LIMIT + 1)
    except OSError:
        raise _Unsure from None
    if len(raw) > TABLE_LIMIT or raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in raw:
        raise _Unsure
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    if not raw.isascii():
        try:
            raw.decode("utf-8")  # the readers below replace or refuse bad bytes in words of their own
        except UnicodeDecodeError:
            raise _Unsure from None
    if b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n"):
        raise _Unsure  # a lone carriage return ends a CSV line for Python, not for polars
    return raw


# The C0 controls but tab, line feed and carriage return, and DEL, as bytes; C1 controls are U+0080–U+009F,
# two bytes each in UTF-8.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1 = re.compile(rb"\xc2[\x80-\x9f]")


def _has_control_bytes(raw: bytes) -> bool:
    """Whether UTF-8 text holds a control character anywhere (as `yamlsafe.CONTROL` finds them)."""
    if len(raw.translate(None, _CONTROL_BYTES)) != len(raw):
        return True
    return not raw.isascii() and _C1.search(raw) is not None


# -- CSV -------------------------------------------------------------------------------------------


def _csv_frame(raw: bytes) -> pl.DataFrame:
    """A CSV table read by polars, as the row reader reads it, or _Unsure."""
    end = raw.find(b"\n")
    header = (raw if end < 0 else raw[:end]).removesuffix(b"\r").decode("utf-8")
    columns = header.split(",")
    if '"' in header or len(set(columns)) != len(columns) or "id" not in columns:
        raise _Unsure
    if not set(columns) <= set(TABLE_COLUMNS) or re.search(_CONTROL, header):
        raise _Unsure
    if _has_control_bytes(raw):
        raise _Unsure  # the row reader says where, in its words
    body = raw.rstrip(b"\r\n")  # blank lines at the end: the row reader skips them
    try:
        cells = pl.read_csv(io.BytesIO(body), schema=dict.fromkeys(columns, pl.String()), has_header=True)
    except (pl.exceptions.PolarsError, ValueError):
        raise _Unsure from None
    if cells.height == 0:
        raise _Unsure
    # Every row must hold as many cells as the header: polars refuses a longer one but fills a short
    # one (or a blank line) with nulls. The commas between cells are all the file's less those in quoted
    # cells; a quote within a cell is where the two readers may part. Without a quote in the file, no
    # cell holds a comma.
    commas = 0
    if b'"' in body:
        text = [pl.col(c) for c in columns]
        checks = cells.select(
            pl.any_horizontal(c.str.contains('"', literal=True).any() for c in text).alias("quote"),
            pl.sum_horizontal(c.str.count_matches(",", literal=True).sum() for c in text).alias("commas"),
        ).row(0, named=True)
        if checks["quote"]:
            raise _Unsure
        commas = checks["commas"]
    if body.count(b",") - commas != (len(columns) - 1) * (cells.height + 1):
        raise _Unsure
    counts = {c: pl.col(c).str.strip_chars(" \t\r\n").replace("", None) for c in COUNTS if c in columns}
    if counts:
        plain = (c.str.contains(_COUNT) & (c.str.len_bytes() <= 18) | c.is_null() for c in counts.values())
        if not cells.select(pl.all_horizontal(plain).all()).item():
            raise _Unsure
    texts = ("id", "time", "actor", "act", "target", "intended_target", "region")
    frame = cells.select(
        *(pl.col(c).replace("", None) if c in columns else pl.lit(None, pl.String()).alias(c) for c in texts),
        pl.lit(None, pl.String()).alias("country"),
        *(counts[c].cast(pl.Int64()).alias(c) if c in counts else pl.lit(None, pl.Int64()).alias(c) for c in COUNTS),
        pl.lit([], INCIDENTS["accounts"]).alias("accounts"),
    )
    _check_incidents(frame, text_checked=True)
    return frame.select(pl.col(c).cast(t) for c, t in INCIDENTS.items())


# -- JSON Lines ------------------------------------------------------------------------------------


_LINE_NOT_AN_OBJECT = re.compile(rb"\n[\n\r \t]")  # a line that is blank or starts with white space


def _jsonl_frame(raw: bytes) -> pl.DataFrame:
    """A JSON Lines table read by pyarrow against the incident's schema, or _Unsure."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.json as pj  # type: ignore[import-untyped]

    body = raw.strip(b" \t\r\n")
    # One object a line: a blank or indented line (or two objects on one) would leave the count of
    # lines and of rows apart, and the count is what proves that each line held one.
    if not body or _LINE_NOT_AN_OBJECT.search(body):
        raise _Unsure
    # pyarrow reads `"accounts": null` as no accounts; the model refuses it (accounts are a list).
    if b"null" in body and re.search(rb'"(?:accounts|[^"\n]*\\[^"\n]*)"\s*:\s*null', body):
        raise _Unsure
    options = pj.ParseOptions(explicit_schema=_arrow_schema(), unexpected_field_behavior="error")
    try:
        table = pj.read_json(
            pa.BufferReader(body), read_options=pj.ReadOptions(block_size=1 << 24), parse_options=options
        )
    except (pa.ArrowException, ValueError):
        raise _Unsure from None
    if table.num_rows != body.count(b"\n") + 1:
        raise _Unsure
    nested = pl.from_arrow(table)
    assert isinstance(nested, pl.DataFrame)
    del table
    _check_nested(nested)
    frame = nested.select(
        "id",
        *_flat_told(pl.col),
        pl.col("accounts")
        .list.eval(pl.struct(pl.element().struct.field("source"), *_flat_told(pl.element().struct.field)))
        .fill_null(pl.lit([], INCIDENTS["accounts"])),
    )
    _check_incidents(frame)
    return frame.select(pl.col(c).cast(t) for c, t in INCIDENTS.items())


def _flat_told(field: Any) -> list[pl.Expr]:
    """The flat facts (`TOLD`) of an incident or account struct as the JSON gives it, by `field(name)`."""
    return [
        *(field(k) for k in ("time", "actor", "act", "target", "intended_target")),
        field("location").struct.field("region").alias("region"),
        field("location").struct.field("country").alias("country"),
        field("casualties").struct.field("killed").alias("killed"),
        field("casualties").struct.field("wounded").alias("wounded"),
    ]


def _arrow_schema() -> Any:
    """The `Incident` model as a pyarrow schema: every key it knows, no other (`expect` as text only)."""
    import pyarrow as pa

    text, count, number = pa.string(), pa.int64(), pa.float64()
    place = pa.struct([("name", text), ("region", text), ("country", text), ("lat", number), ("lon", number)])
    told = [
        *((k, text) for k in ("time", "actor", "act", "target", "intended_target")),
        ("location", place),
        ("casualties", pa.struct([("killed", count), ("wounded", count)])),
    ]
    account = pa.struct([("source", text), *told])
    return pa.schema([("id", text), *told, ("accounts", pa.list_(account)), ("expect", text), ("notes", text)])


def _check_nested(nested: pl.DataFrame) -> None:
    """What the model checks beyond the incident frame's columns: coordinates, `expect`, text anywhere."""
    accounts = nested.select(pl.col("accounts").explode()).filter(pl.col("accounts").is_not_null()).unnest("accounts")
    places = [nested.select(pl.col("location").struct.unnest())]
    if accounts.height:
        places.append(accounts.select(pl.col("location").struct.unnest()))
    for place in places:
        ok = place.select(
            pl.col("lat").is_null() | (pl.col("lat").is_finite() & pl.col("lat").is_between(-90, 90)),
            pl.col("lon").is_null() | (pl.col("lon").is_finite() & pl.col("lon").is_between(-180, 180)),
        ).select(pl.all().all())
        if not all(ok.row(0)) or _has_control(place.select(pl.col(pl.String()))):
            raise _Unsure
    expect = nested.select(pl.col("expect").is_in(VERDICTS) | pl.col("expect").is_null()).to_series()
    if not expect.all() or _has_control(nested.select("notes", "expect")):
        raise _Unsure


def _has_control(frame: pl.DataFrame) -> bool:
    """Whether any text column of `frame` holds a control character."""
    if not frame.width:
        return False
    return bool(frame.select(pl.any_horizontal(pl.all().str.contains(_CONTROL).any())).item())


# -- checks on an incident frame -------------------------------------------------------------------


def _check_incidents(frame: pl.DataFrame, text_checked: bool = False) -> None:
    """What the model and the row reader hold an incident frame's columns to, all rows at once; _Unsure if not.

    Ids present, 1 to 200 characters and unique; counts 0 to MAX_COUNT; no control character in any
    text (unless the caller has `text_checked` already); every time as the model takes it; accounts
    with a source, one account a source.
    """
    text = [c for c, t in INCIDENTS.items() if t == pl.String()]
    told = frame.select(pl.col("accounts").list.len().sum()).item()
    accounts = frame.head(0).select(pl.lit(0, pl.Int64()).alias("row"), pl.col("accounts").explode()).unnest("accounts")
    if told:
        accounts = frame.select(pl.int_range(pl.len()).alias("row"), "accounts").explode("accounts")
        accounts = accounts.filter(pl.col("accounts").is_not_null()).unnest("accounts")
    if accounts.height != told:
        raise _Unsure  # an account that is null (`[null]` in JSON)
    for part, key in ((frame, "id"), (accounts, "source")):
        if not part.height:
            continue
        longest = 200 if key == "id" else 300
        texts = [c for c in text if c in part.columns and c != key]
        ok = part.select(
            (pl.col(key).is_not_null() & pl.col(key).str.len_chars().is_between(1, longest)).all().alias("key"),
            pl.all_horizontal(pl.col(c).is_between(0, MAX_COUNT) | pl.col(c).is_null() for c in COUNTS)
            .all()
            .alias("counts"),
            (
                pl.lit(True) if text_checked else ~pl.any_horizontal(pl.col(*texts, key).str.contains(_CONTROL).any())
            ).alias("text"),
            (pl.lit(True) if key == "id" else ~pl.struct("row", key).is_duplicated().any()).alias("unique"),
        ).row(0)
        if not all(ok):
            raise _Unsure
    # Ids unique: sorted, no two neighbours alike (a sort is cheaper than hashing a million texts).
    ids = frame.get_column("id").sort()
    if ids.len() > 1 and (ids.head(-1) == ids.tail(-1)).any():
        raise _Unsure
    times = pl.concat([frame.select("time"), accounts.select("time")]).drop_nulls().unique()
    if not all(_time_ok(t) for t in times.to_series()):
        raise _Unsure


_TIME = TypeAdapter(MomentOrDay)

# A time that ends in a UTC offset (`Z`, `+03:00`, `-0500`, `+03`): never a local time.
_WITH_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"


def first_local_time(frame: pl.DataFrame) -> tuple[int, int | None, str] | None:
    """The first time of day written without a UTC offset in an incident frame, in row order (an incident's
    own time before its accounts'): (row, account index or None, the time as written); None if there is none.
    """
    accounts = frame.select(pl.int_range(pl.len()).alias("row"), "accounts").explode("accounts")
    accounts = accounts.filter(pl.col("accounts").is_not_null()).select(
        "row", pl.int_range(pl.len()).over("row").alias("account"), pl.col("accounts").struct.field("time")
    )
    own = frame.select(pl.int_range(pl.len()).alias("row"), pl.lit(None, pl.Int64()).alias("account"), "time")
    told = pl.concat([own, accounts.cast({"account": pl.Int64()})]).filter(
        pl.col("time").is_not_null() & ~pl.col("time").str.strip_chars().str.contains(_WITH_OFFSET)
    )
    candidates = told.get_column("time").unique()
    local = [t for t in candidates if read_time(t).local]
    if not local:
        return None
    first = told.filter(pl.col("time").is_in(local)).sort("row", "account", nulls_last=False).row(0)
    return first[0], first[1], first[2]


def _time_ok(value: str) -> bool:
    """Whether the model takes `value` as a time: fromisoformat for the common form, the model for the rest."""
    try:
        moment: datetime | date = datetime.fromisoformat(value)
    except ValueError:
        moment = date.min
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return TIME_YEARS[0] <= moment.year <= TIME_YEARS[1]
    try:
        _TIME.validate_python(value)
    except ValidationError:
        return False
    return True


# -- Parquet ---------------------------------------------------------------------------------------

_COLUMNS = ", ".join(PARQUET_COLUMNS)


def _read_parquet(path: Path) -> pl.DataFrame:
    """A Parquet table as an incident frame: its columns and types checked, then its rows."""
    shown = str(path)
    info = stat_of(path, shown)
    if stat.S_ISDIR(info.st_mode):
        raise InputError.at(shown, "is a directory; expected a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError.at(shown, "not a regular file (a device, pipe or socket); expected a file")
    if info.st_size > TABLE_LIMIT:
        raise InputError.at(shown, f"file is {info.st_size:,} bytes; the limit is {TABLE_LIMIT:,}")
    if info.st_size == 0:
        raise InputError.at(shown, "file is empty; expected a Parquet table with columns " + _COLUMNS)
    try:
        schema = pl.read_parquet_schema(path)
    except (pl.exceptions.PolarsError, OSError, ValueError):
        raise InputError.at(shown, "not a Parquet file (its footer cannot be read)") from None
    _check_parquet_columns(schema, shown)
    try:
        table = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise InputError.at(shown, f"cannot read: {str(exc).splitlines()[0]}") from None
    if table.height == 0:
        raise InputError.at(shown, "file holds no incidents; expected a row per incident")
    frame = _parquet_frame(table)
    try:
        _check_incidents(frame)
    except _Unsure:
        _parquet_rows(frame, shown)  # raises the exact problem; if it finds none, the fast check was too strict
    return frame


def _check_parquet_columns(schema: dict[str, pl.DataType], shown: str) -> None:
    """Each column known, of a type its values can be read from; `id` among them."""
    for name, dtype in schema.items():
        if name not in PARQUET_COLUMNS:
            hint = did_you_mean(name.strip().lower(), PARQUET_COLUMNS)
            raise InputError.at(shown, f"unknown column `{name}`{hint}; expected columns {_COLUMNS}")
        if name == "accounts":
            fields = dtype.inner.fields if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct) else None
            if fields is None and dtype != pl.Null():
                raise InputError.at(
                    shown,
                    f"column `accounts` is {dtype}; expected a list of structs with `source` and columns from "
                    + ", ".join(ACCOUNT_COLUMNS[1:]),
                    path="accounts",
                )
            for field in fields or ():
                if field.name not in ACCOUNT_COLUMNS:
                    hint = did_you_mean(field.name.strip().lower(), ACCOUNT_COLUMNS)
                    raise InputError.at(
                        shown,
                        f"unknown field `{field.name}`{hint}; expected fields " + ", ".join(ACCOUNT_COLUMNS),
                        path="accounts",
                    )
                _check_type(field.name, field.dtype, shown, f"accounts.{field.name}")
        else:
            _check_type(name, dtype, shown, name)
    if "id" not in schema:
        raise InputError.at(shown, "no `id` column; expected columns " + _COLUMNS)


def _check_type(name: str, dtype: Any, shown: str, where: str) -> None:
    """Refuse a column (or account field) whose type its values cannot be read from."""
    if dtype == pl.Null():
        return
    if name in COUNTS and not dtype.is_integer():
        raise InputError.at(shown, f"column `{where}` is {dtype}; expected whole numbers (an integer type)")
    if name not in COUNTS and dtype != pl.String():
        raise InputError.at(shown, f"column `{where}` is {dtype}; expected text (a string type)")


def _parquet_frame(table: pl.DataFrame) -> pl.DataFrame:
    """A Parquet table of known columns and types as an incident frame (values not yet checked)."""

    def column(name: str, have: Mapping[str, Any], get: Any) -> pl.Expr:
        dtype = INCIDENTS[name] if name != "source" else pl.String()
        if name not in have:
            return pl.lit(None, dtype).alias(name)
        value: pl.Expr = get(name)
        if have[name] == pl.UInt64():  # past Int64 a count is far too large anyway: MAX_COUNT + 1 stands for it
            value = value.clip(upper_bound=MAX_COUNT + 1)
        return value.cast(dtype).alias(name)

    told = [c for c in INCIDENTS if c not in ("id", "accounts")]
    accounts: pl.Expr = pl.lit([], INCIDENTS["accounts"])
    dtype = table.schema.get("accounts")
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        fields = {f.name: f.dtype for f in dtype.inner.fields}
        element = pl.element().struct.field
        accounts = (
            pl.col("accounts")
            .list.eval(pl.struct(column("source", fields, element), *(column(c, fields, element) for c in told)))
            .fill_null(accounts)
        )
    return table.select(
        column("id", table.schema, pl.col),
        *(column(c, table.schema, pl.col) for c in told),
        accounts.cast(INCIDENTS["accounts"]).alias("accounts"),
    )


def _parquet_rows(frame: pl.DataFrame, shown: str) -> None:
    """Each row of a Parquet table's frame validated as an `Incident`, in order: the first problem raised."""
    first: dict[str, int] = {}
    for number, row in enumerate(_rows(frame), 1):
        found = _control_in(row)
        if found:
            field, char = found
            raise InputError.at(shown, control_message(char), path=f"row {number}: {field}")
        data = _incident_data(row)
        try:
            incident = Incident.model_validate(data)
        except ValidationError as exc:
            problem = problems_from(exc, Document(shown, data, {}), Incident)[0]
            where = f"row {number}: {problem.path}" if problem.path else f"row {number}"
            raise InputError([Problem(shown, problem.message, None, None, where)]) from None
        if incident.id in first:
            message = f"incident id `{incident.id}` is used twice (first on row {first[incident.id]})"
            raise InputError.at(shown, message, path=f"row {number}: id")
        first[incident.id] = number


def _rows(frame: pl.DataFrame) -> Iterator[dict[str, Any]]:
    for start in range(0, frame.height, 10_000):  # a slice at a time: rows as dicts are large
        yield from frame.slice(start, 10_000).iter_rows(named=True)


def _incident_data(row: dict[str, Any]) -> dict[str, Any]:
    """A frame row as an incident's data, as written in JSON: absent where null."""
    data = _told_data(row)
    if row["id"] is not None:
        data["id"] = row["id"]
    if row["accounts"]:
        data["accounts"] = [
            {**({"source": a["source"]} if a["source"] is not None else {}), **_told_data(a)} for a in row["accounts"]
        ]
    return data


def _told_data(row: dict[str, Any]) -> dict[str, Any]:
    data = {k: row[k] for k in ("time", "actor", "act", "target", "intended_target") if row[k] is not None}
    location = {k: row[k] for k in ("region", "country") if row[k] is not None}
    casualties = {k: row[k] for k in COUNTS if row[k] is not None}
    if location:
        data["location"] = location
    if casualties:
        data["casualties"] = casualties
    return data


def _control_in(row: dict[str, Any]) -> tuple[str, str] | None:
    """The first text of a row holding a control character: its field and the character."""
    pattern = re.compile(_CONTROL)
    fields = [(k, v) for k, v in row.items() if k != "accounts"]
    for i, account in enumerate(row["accounts"] or ()):
        fields += [(f"accounts[{i}].{k}", v) for k, v in account.items()]
    for key, value in fields:
        if isinstance(value, str) and (found := pattern.search(value)):
            return _FIELDS.get(key, key), found[0]
    return None


_FIELDS = {"region": "location.region", "country": "location.country"}
