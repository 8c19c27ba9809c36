"""Incidents as a table: the columns every reader produces and evaluation reads, defined once.

An *incident frame* has one row per incident, in input order: its id, its notes and source (carried,
not evaluated), the facts as recorded (`TOLD`) and its accounts, a list of structs with a `source`
and the same facts (null where the account says nothing, so the incident's own value stands).
Scenario files, JSON Lines, CSV and Parquet tables all become this frame; evaluation reads nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from engine.incidents.model import Account, Incident

# What one source tells of an incident, flat: the incident's own record, or one account's version.
TOLD: dict[str, pl.DataType] = {
    "time": pl.String(),  # ISO 8601 as written: a date-time, day, week, month or span (see engine.times)
    "actor": pl.String(),
    "act": pl.String(),
    "target": pl.String(),
    "intended_target": pl.String(),
    "country": pl.String(),
    "admin1": pl.String(),  # first-level administrative area (`region` in older files)
    "admin2": pl.String(),
    "admin3": pl.String(),
    "location": pl.String(),  # the named location (`Location.name`)
    "latitude": pl.Float64(),  # degrees, -90 to 90
    "longitude": pl.Float64(),  # degrees, -180 to 180
    "precision_km": pl.Float64(),  # the radius, in km, within which the point lies
    "killed": pl.Int64(),  # a count of people, 0 to MAX_COUNT
    "wounded": pl.Int64(),
}
# The place fields of TOLD, as `Location` names them (the rest are its standard keys).
PLACE = {"country": "country", "admin1": "admin1", "admin2": "admin2", "admin3": "admin3", "location": "name"}
POINT = ("latitude", "longitude", "precision_km")
ACCOUNT = pl.Struct({"source": pl.String(), **TOLD})
# The incident's own record: `notes` and `source` (where the record comes from) are carried, not evaluated.
INCIDENTS: dict[str, pl.DataType] = {
    "id": pl.String(),
    "notes": pl.String(),
    "source": pl.String(),
    **TOLD,
    "accounts": pl.List(ACCOUNT),
}
# How an incident is judged, beside what was told: `mutual` (both directions judged: a clash whose record
# does not say who attacked), the associated actors of each side (ACLED's `assoc_actor_1`/`_2`, named in the
# verdict and counted with their side, never tested by rules), and flags the record itself raises (UCDP's
# civilian deaths: `civilians_harmed`). A frame may leave these out: `with_defaults` adds them.
JUDGED: dict[str, pl.DataType] = {
    "mutual": pl.Boolean(),
    "assoc_actor": pl.List(pl.String()),
    "assoc_target": pl.List(pl.String()),
    "flags": pl.List(pl.String()),
    "in_response_to": pl.String(),  # the id of the incident of the same input this one answers
}
_DEFAULTS: dict[str, Any] = {
    "mutual": False,
    "assoc_actor": [],
    "assoc_target": [],
    "flags": [],
    "in_response_to": None,
}


def with_defaults(frame: pl.DataFrame) -> pl.DataFrame:
    """An incident frame with every `JUDGED` column: those it lacks added with their defaults (not
    mutual, no associated actors, no flags), nulls in those it has read as the defaults."""
    return frame.with_columns(
        pl.col(name).fill_null(pl.lit(_DEFAULTS[name], dtype)).cast(dtype)
        if name in frame.columns
        else pl.lit(_DEFAULTS[name], dtype).alias(name)
        for name, dtype in JUDGED.items()
    )


def told_of(told: Incident | Account) -> dict[str, Any]:
    """The flat facts (`TOLD`) of an incident or an account, None where it gives none."""
    loc, cas = told.location, told.casualties
    return {
        "time": told.time,
        "actor": told.actor,
        "act": told.act,
        "target": told.target,
        "intended_target": told.intended_target,
        **{k: loc.standard(key) if loc else None for k, key in PLACE.items()},
        **{k: loc.standard(k) if loc else None for k in POINT},
        "killed": cas.killed if cas else None,
        "wounded": cas.wounded if cas else None,
    }


def frame_of(incidents: Iterable[Incident]) -> pl.DataFrame:
    """An incident frame (`INCIDENTS`) from incident models, in their order."""
    rows = [
        {
            "id": i.id,
            "notes": i.notes,
            "source": i.source,
            **told_of(i),
            "accounts": [{"source": a.source, **told_of(a)} for a in i.accounts],
            "mutual": i.mutual,
            "assoc_actor": i.assoc_actor,
            "assoc_target": i.assoc_target,
            "flags": [],
            "in_response_to": i.in_response_to,
        }
        for i in incidents
    ]
    return pl.DataFrame(rows, schema=INCIDENTS | JUDGED, orient="row" if not rows else None)


def incidents_of(frame: pl.DataFrame) -> list[Incident]:
    """Incident models from an incident frame's rows (for a few rows: a table's are checked as it is read). A
    column the frame lacks (a part kept with `result.REPORTED` alone) is read as not told."""
    out = []
    for row in frame.iter_rows(named=True):
        own = {k: row[k] for k in ("id", "notes", "source") if row.get(k) is not None}
        own |= {k: row[k] for k in ("mutual", "assoc_actor", "assoc_target", "in_response_to") if row.get(k)}
        accounts = [_nested(a) for a in row.get("accounts") or ()]
        out.append(Incident.model_validate(_nested(row) | own | {"accounts": accounts}))
    return out


def _nested(told: dict[str, Any]) -> dict[str, Any]:
    """Flat told fields (and an account's `source`) back in the file format's shape, None left out."""
    out: dict[str, Any] = {
        k: told[k] for k in ("source", "time", "actor", "act", "target", "intended_target") if told.get(k) is not None
    }
    place = {key: told[k] for k, key in (*PLACE.items(), *((p, p) for p in POINT)) if told.get(k) is not None}
    toll = {k: told[k] for k in ("killed", "wounded") if told.get(k) is not None}
    return out | ({"location": place} if place else {}) | ({"casualties": toll} if toll else {})
