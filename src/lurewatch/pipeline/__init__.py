"""The ingest pipeline: readers -> enrichers -> store."""
