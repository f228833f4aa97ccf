"""The triage states of an alert or an incident, in the order an analyst moves them through.

Kept apart from `triage`, which needs the store, so that the CLI can name them in its help
without loading DuckDB."""

from __future__ import annotations

STATES = ("new", "acknowledged", "closed")
