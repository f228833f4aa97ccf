"""Correlation across channels: clicks on mailed links, and (later) incidents and pivots."""
