"""Authentication-Results (RFC 8601) already on a message, and which of them to believe.

Anyone can write an Authentication-Results header, so one is believed only when

- its authserv-id is one of `email_auth.trusted_authserv_ids`, or
- it sits above (in header order) the Received header written at the trust boundary by a
  configured trusted relay: then a relay of the organization wrote it. This is how
  Microsoft 365's header, which has no authserv-id, is believed.

A header below the trust boundary is never believed, whatever its authserv-id: it was on the
message before the organization received it, so a sender could have forged it. With no trust
boundary known, the authserv-id alone decides.

Among believed headers the topmost (newest) one that reports a method wins for that method.
Microsoft's `compauth=` and `reason=` are kept as they were written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import authres

from lurewatch.enrich.auth.boundary import Boundary, header_order, received_position
from lurewatch.util.domains import domain_of

_METHOD_FIRST = re.compile(r"^\s*[A-Za-z0-9_.-]+\s*=")
_DMARC_COMMENT = re.compile(r"\bdmarc\s*=\s*\w+\s*\(([^)]*)\)", re.IGNORECASE)
_P_TAG = re.compile(r"\bp=(\w+)", re.IGNORECASE)
_ACTION = re.compile(r"\bdmarc\s*=\s*\w+[^;]*?\baction\s*=\s*([\w.]+)", re.IGNORECASE)


@dataclass
class ArHeader:
    position: int  # index among all header fields, 0 = the first
    authserv_id: str | None  # None when the header names none (Microsoft 365)
    trusted: bool
    why: str
    results: list[dict[str, Any]] = field(default_factory=list)
    parse_error: str | None = None
    dmarc_policy: str | None = None  # from a (p=...) comment or an action= word


@dataclass
class Upstream:
    headers: list[ArHeader] = field(default_factory=list)
    boundary_position: int | None = None

    def trusted(self) -> list[ArHeader]:
        return [h for h in self.headers if h.trusted]

    def first(self, method: str) -> tuple[ArHeader, list[dict[str, Any]]] | None:
        """The topmost believed header reporting `method`, with its results for it."""
        for header in self.trusted():
            found = [r for r in header.results if r["method"] == method]
            if found:
                return header, found
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "boundary_position": self.boundary_position,
            "headers": [h.__dict__ for h in self.headers],
        }


def _policy_word(value: str | None) -> str | None:
    """Map a policy as written upstream (p=REJECT, action=oreject, pct.quarantine) to ours."""
    if not value:
        return None
    word = value.lower()
    base = "reject" if "reject" in word else "quarantine" if "quarantine" in word else None
    if base is None:
        return "none" if word in ("none", "pct.none") else None
    if word.startswith("pct."):  # not drawn by pct=: the milder policy applied
        return "quarantine" if base == "reject" else "none"
    return base


_PLACEHOLDER = "authserv.invalid"


def _results_of(header: authres.AuthenticationResultsHeader) -> list[dict[str, Any]]:
    results = []
    for r in header.results:
        props = {f"{p.type}.{p.name}".lower(): str(p.value) for p in getattr(r, "properties", [])}
        results.append(
            {
                "method": str(r.method).lower(),
                "result": str(r.result).lower(),
                "reason": str(r.reason) if getattr(r, "reason", None) else None,
                "properties": props,
            }
        )
    return results


def parse_value(value: str) -> tuple[str | None, list[dict[str, Any]], str | None]:
    """(authserv-id or None, results, problem) of one header value.

    Microsoft 365 writes no authserv-id and ends with a stray ";": both are tolerated. When the
    whole value does not parse, each result is parsed on its own and the readable ones kept
    (problem says so). Raises authres.AuthResError when nothing at all can be read.
    """
    text = " ".join(value.split()).rstrip("; ")
    method_first = bool(_METHOD_FIRST.match(text.split(";", 1)[0]))
    full = f"{_PLACEHOLDER}; {text}" if method_first else text
    parse = authres.AuthenticationResultsHeader.parse_value
    try:
        header = parse(full)
        return (None if method_first else header.authserv_id), _results_of(header), None
    except authres.AuthResError as exc:
        error = exc
    head, _, rest = full.partition(";")
    authserv = None if method_first else parse(f"{head}; none").authserv_id
    results: list[dict[str, Any]] = []
    for segment in rest.split(";"):
        if segment.strip():
            try:
                results.extend(_results_of(parse(f"{_PLACEHOLDER}; {segment}")))
            except authres.AuthResError:
                continue  # this one result is unreadable; keep the others
    if not results:
        raise error
    return authserv, results, f"partly unreadable: {error}"[:300]


def _trust(
    position: int, authserv: str | None, boundary_pos: int | None, trusted_ids: set[str]
) -> tuple[bool, str]:
    if boundary_pos is not None and position > boundary_pos:
        return False, "below the trust boundary: written before the organization received it"
    if authserv is not None and authserv.lower() in trusted_ids:
        return True, "trusted authserv-id"
    if boundary_pos is not None:
        return True, "above the trust boundary: written by the organization's relays"
    if authserv is None:
        return False, "no authserv-id and no trust boundary to vouch for it"
    return False, "authserv-id not trusted"


def read_upstream(
    message: Message, boundary: Boundary, trusted_authserv_ids: list[str]
) -> Upstream:
    """Every Authentication-Results header of `message`, parsed and judged. Never raises."""
    headers = header_order(message)
    boundary_pos = None
    if boundary.trusted and boundary.hop_index is not None:
        boundary_pos = received_position(headers, boundary.hop_index)
    out = Upstream(boundary_position=boundary_pos)
    trusted_ids = {a.strip().lower() for a in trusted_authserv_ids if a.strip()}
    for pos, (name, value) in enumerate(headers):
        if name != "authentication-results":
            continue
        try:
            authserv, results, error = parse_value(value)
            readable = True
        except Exception as exc:  # authres raises its own errors; anything odd is a bad header
            authserv, results, error = None, [], f"{type(exc).__name__}: {exc}"[:300]
            readable = False
        trusted, why = _trust(pos, authserv, boundary_pos, trusted_ids)
        if not readable:
            trusted, why = False, "unparseable"
        header = ArHeader(pos, authserv, trusted, why, results, error)
        comment = _DMARC_COMMENT.search(value)
        p_tag = _P_TAG.search(comment.group(1)) if comment else None
        action = _ACTION.search(" ".join(value.split()))
        for r in results:
            if r["method"] == "dmarc" and r["properties"].get("policy.dmarc"):
                header.dmarc_policy = _policy_word(r["properties"]["policy.dmarc"])
        header.dmarc_policy = header.dmarc_policy or _policy_word(
            p_tag.group(1) if p_tag else (action.group(1) if action else None)
        )
        out.headers.append(header)
    return out


def result_domain(result: dict[str, Any], *keys: str) -> str | None:
    """The first of `keys` present among a result's properties, as a domain."""
    for key in keys:
        value = result["properties"].get(key)
        if value and value.lower() != "none":
            value = value.strip().lower()
            return domain_of(value) if "@" in value else value
    return None
