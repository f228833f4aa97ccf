"""The store: DuckDB (one file) reached through Ibis for analytics, Arrow for bulk writes."""

from lurewatch.store.db import Store

__all__ = ["Store"]
