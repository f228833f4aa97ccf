"""Incidents: alerts that share entities within a window, scored, with triage state and playbooks."""
