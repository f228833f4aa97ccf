"""Reports: the AN1955 readiness (coverage) report."""
