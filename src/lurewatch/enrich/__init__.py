"""Enrichers: facts that need computation or the outside world. Each takes its client as a parameter."""
