"""Network evidence: packet analysis, sensor log vocabulary and the port registry (N1, N2, N3)."""
