"""Call detail records (CSV exports of Cisco CUCM, Microsoft Teams, Webex Calling, or a mapping
of your own) read into the `call` table: see presets for the formats, normalize for the rules."""

from lurewatch.readers.cdr.mapping import looks_like_cdr
from lurewatch.readers.cdr.reader import CALL_ID_SQL, call_batches, read_cdr, rows_from_cdr

__all__ = ["CALL_ID_SQL", "call_batches", "looks_like_cdr", "read_cdr", "rows_from_cdr"]
