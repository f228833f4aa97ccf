"""Chat and social exports: Slack workspace exports, Microsoft Teams (Graph chatMessage) and a
generic JSON-lines shape. Each reader yields `message` and `transfer` rows, or rejects.

The readers take the settings: they decide who is inside the organization, classify what
outside accounts ask for, and apply the text-retention and pseudonymization policy at ingest,
so nothing the policy excludes ever reaches the store.
"""

from lurewatch.readers.chat.bundle import is_slack_export
from lurewatch.readers.chat.jsonl import looks_like_chat_jsonl, read_chat_jsonl
from lurewatch.readers.chat.slack import read_slack_export
from lurewatch.readers.chat.teams import looks_like_teams, read_teams_messages

__all__ = [
    "is_slack_export",
    "looks_like_chat_jsonl",
    "looks_like_teams",
    "read_chat_jsonl",
    "read_slack_export",
    "read_teams_messages",
]
