"""Incidents as a table: the columns every reader produces and evaluation reads, defined once.

An *incident frame* has one row per incident, in input order: its id, the facts as recorded (`TOLD`)
and its accounts, a list of structs with a `source` and the same facts (null where the account says
nothing, so the incident's own value stands). Scenario files, JSON Lines, CSV and Parquet tables all
become this frame; evaluation reads nothing else.
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
    "region": pl.String(),
    "country": pl.String(),
    "killed": pl.Int64(),  # a count of people, 0 to MAX_COUNT
    "wounded": pl.Int64(),
}
ACCOUNT = pl.Struct({"source": pl.String(), **TOLD})
INCIDENTS: dict[str, pl.DataType] = {"id": pl.String(), **TOLD, "accounts": pl.List(ACCOUNT)}


def told_of(told: Incident | Account) -> dict[str, Any]:
    """The flat facts (`TOLD`) of an incident or an account, None where it gives none."""
    loc, cas = told.location, told.casualties
    return {
        "time": told.time,
        "actor": told.actor,
        "act": told.act,
        "target": told.target,
        "intended_target": told.intended_target,
        "region": loc.region if loc else None,
        "country": loc.country if loc else None,
        "killed": cas.killed if cas else None,
        "wounded": cas.wounded if cas else None,
    }


def frame_of(incidents: Iterable[Incident]) -> pl.DataFrame:
    """An incident frame (`INCIDENTS`) from incident models, in their order."""
    rows = [
        {"id": i.id, **told_of(i), "accounts": [{"source": a.source, **told_of(a)} for a in i.accounts]}
        for i in incidents
    ]
    return pl.DataFrame(rows, schema=INCIDENTS, orient="row" if not rows else None)


def incidents_of(frame: pl.DataFrame) -> list[Incident]:
    """Incident models from an incident frame's rows (for a few rows: a table's are checked as it is read)."""
    out = []
    for row in frame.iter_rows(named=True):
        out.append(
            Incident.model_validate(_nested(row) | {"id": row["id"], "accounts": [_nested(a) for a in row["accounts"]]})
        )
    return out


def _nested(told: dict[str, Any]) -> dict[str, Any]:
    """Flat told fields back in the file format's shape (location, casualties), None left out."""
    out: dict[str, Any] = {
        k: told[k] for k in ("source", "time", "actor", "act", "target", "intended_target") if told.get(k) is not None
    }
    place = {k: told[k] for k in ("region", "country") if told.get(k) is not None}
    toll = {k: told[k] for k in ("killed", "wounded") if told.get(k) is not None}
    return out | ({"location": place} if place else {}) | ({"casualties": toll} if toll else {})
