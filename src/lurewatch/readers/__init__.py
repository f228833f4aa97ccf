"""Readers: one module per input format. Each yields normalized records and rejects, streaming."""
