"""Monitoring scope and pseudonymization: which channels may be read, and keyed hashes of people.

Calls and chat carry personal data, so reading them is refused unless the settings declare the
channel monitored, with an owner and a legal basis. Identifiers can be replaced at ingest by a
keyed hash (HMAC-SHA256): the same number or handle always gets the same pseudonym under one
key, so detections (fan-out, first-seen, intel matches on hashed indicators) still work, while
the store alone cannot reveal who it was. The key is read from the environment or a file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from lurewatch.config import Settings
from lurewatch.errors import ConfigError, LurewatchError

# Which channel each input format belongs to.
FORMAT_CHANNEL = {
    "eml": "email",
    "mbox": "email",
    "zeek": "network",
    "squid": "network",
    "suricata-eve": "network",
    "pcap": "network",
    "sysmon-evtx": "endpoint",
    "sysmon-xml": "endpoint",
    "sysmon-json": "endpoint",
    "cdr": "calls",
    "slack": "chat",
    "teams": "chat",
    "chat-jsonl": "chat",
}


class ScopeError(LurewatchError):
    """Input of a channel the organization has not declared in monitoring scope."""


def check_scope(settings: Settings, formats: set[str]) -> None:
    """Refuse, before anything is read, inputs of channels outside the monitoring scope."""
    for fmt in sorted(formats):
        channel = FORMAT_CHANNEL.get(fmt)
        if channel is None:
            continue
        scope = getattr(settings.scope, channel)
        if not scope.monitored:
            raise ScopeError(
                f"{channel} is outside the monitoring scope, so {fmt} input is not read and nothing "
                f"was stored; to enable it, set [scope.{channel}] monitored = true with owner and "
                "legal_basis in lurewatch.toml"
            )


def pseudonym_key(settings: Settings) -> bytes | None:
    """The pseudonymization key, or None when pseudonymization is off."""
    p = settings.privacy
    if not p.pseudonymize:
        return None
    if p.key_file:
        try:
            key = Path(p.key_file).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(
                f"cannot read privacy.key_file {p.key_file}: {exc.strerror or exc}"
            ) from None
    else:
        key = os.environ.get(p.key_env, "").encode()
    if len(key) < 16:
        raise ConfigError(
            f"privacy.pseudonymize needs a key of at least 16 bytes in ${p.key_env} or privacy.key_file"
        )
    return key


def pseudonymize(value: str | None, key: bytes | None, kind: str) -> str | None:
    """A stable pseudonym for `value` ("phone:3f9a…"), or the value itself when key is None."""
    if value is None or key is None:
        return value
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"{kind}:{digest}"
