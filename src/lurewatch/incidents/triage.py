"""Triage state of alerts and incidents: new, acknowledged, or closed with a reason.

Ids are long hashes; an analyst may type a unique prefix of one (at least 6 characters).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lurewatch.errors import LurewatchError
from lurewatch.incidents.states import STATES
from lurewatch.store import Store
from lurewatch.store.db import q

__all__ = ["STATES", "resolve_id", "set_incident_alerts_state", "set_state"]
MIN_PREFIX = 6

# table -> (id column, state column, reason column, updated column)
_COLUMNS = {
    "alert": ("alerts", "alert.id", "alert.state", "alert.state_reason", "alert.updated"),
    "incident": (
        "incidents",
        "incident.id",
        "incident.state",
        "incident.state_reason",
        "incident.updated",
    ),
}


@dataclass(frozen=True)
class TriageChange:
    kind: str
    id: str
    state: str
    reason: str | None
    previous: str


def resolve_id(store: Store, kind: str, given: str) -> str:
    """The full id of the alert or incident `given` names (whole or a unique prefix)."""
    table, id_col = _COLUMNS[kind][0], _COLUMNS[kind][1]
    given = given.strip().lower()
    if len(given) < MIN_PREFIX:
        raise LurewatchError(
            f"{kind} id {given!r} is too short: give at least {MIN_PREFIX} characters"
        )
    found = [
        r[0]
        for r in store.execute(
            f"SELECT {q(id_col)} FROM {q(table)} WHERE starts_with({q(id_col)}, ?) LIMIT 2", [given]
        )
    ]
    if not found:
        raise LurewatchError(f"no {kind} with id {given}")
    if len(found) > 1:
        raise LurewatchError(f"{kind} id prefix {given} is ambiguous: give more characters")
    return str(found[0])


def set_state(
    store: Store,
    kind: str,
    given_id: str,
    state: str,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> TriageChange:
    """Record a triage decision. Closing needs a reason: the next analyst must know why."""
    if kind not in _COLUMNS:
        raise LurewatchError(f"can triage an alert or an incident, not {kind!r}")
    if state not in STATES:
        raise LurewatchError(f"--state must be one of {', '.join(STATES)}, not {state!r}")
    reason = (reason or "").strip() or None
    if state == "closed" and not reason:
        raise LurewatchError('closing needs a reason: add --reason "..."')
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    table, id_col, state_col, reason_col, updated_col = _COLUMNS[kind]
    full = resolve_id(store, kind, given_id)
    previous = store.scalar(f"SELECT {q(state_col)} FROM {q(table)} WHERE {q(id_col)} = ?", [full])
    store.execute(
        f"UPDATE {q(table)} SET {q(state_col)} = ?, {q(reason_col)} = ?, {q(updated_col)} = ? "
        f"WHERE {q(id_col)} = ?",
        [state, reason, now, full],
    )
    return TriageChange(kind, full, state, reason, str(previous))


def set_incident_alerts_state(
    store: Store, incident_id: str, state: str, reason: str | None, now: dt.datetime | None = None
) -> int:
    """Give every alert of an incident the same state (closing an incident closes its alerts)."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ids = store.scalar(
        'SELECT "incident.alert_ids" FROM incidents WHERE "incident.id" = ?', [incident_id]
    )
    if not ids:
        return 0
    store.execute(
        'UPDATE alerts SET "alert.state" = ?, "alert.state_reason" = ?, "alert.updated" = ? '
        'WHERE list_contains(?, "alert.id")',
        [state, reason, now, list(ids)],
    )
    return len(ids)
