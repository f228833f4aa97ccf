"""Baselines: tables learned from the store that say what is usual, rare, new and first seen."""
