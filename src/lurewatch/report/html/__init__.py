"""`lurewatch report --html`: the store's findings as one self-contained HTML page.

Readiness, incidents with their timelines, alert charts, senders by fan-out and rare network
destinations; every value from the store is escaped, and the page fetches nothing.
"""
