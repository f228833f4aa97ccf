"""DKIM (RFC 6376): every DKIM-Signature of a message verified by dkimpy, keys from our Resolver.

Each signature gets a result and a reason code:

    pass                               the signature verifies
    fail       body-hash-mismatch      the body changed after signing (bh= differs)
    fail       signature-mismatch      the signed headers changed, or the key does not match
    permerror  key-not-found           no key record at <s>._domainkey.<d>
    permerror  key-invalid             the key record is unusable (revoked, bad syntax, too small)
    permerror  signature-expired       x= lies in the past
    permerror  malformed-signature     missing or invalid tags, unknown algorithm
    permerror  verifier-error          the verifier could not process the signature
    temperror  dns-temperror           the key could not be looked up now

The message's DKIM result is the best over its signatures, ranked
pass > fail > permerror > temperror > none ("none": not signed). A single passing signature
is enough for DKIM to pass; whether it counts for DMARC depends on alignment (dmarc.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dkim
from dkim.util import parse_tag_value

from lurewatch.enrich.auth.dkim_message import DkimVerifier
from lurewatch.enrich.auth.keys import KeyFetcher
from lurewatch.enrich.dns import Resolver

DKIM_RANK = {"pass": 0, "fail": 1, "permerror": 2, "temperror": 3, "none": 4}
MIN_KEY_BITS = 1024  # RSA keys below this are rejected (RFC 8301)
# Reasons that mean "the live check could not decide" (a fallback to trusted upstream is fair).
UNDECIDED_REASONS = ("dns-temperror", "key-not-found")


@dataclass
class DkimSignature:
    index: int  # 0 = the topmost DKIM-Signature header
    d: str
    s: str
    a: str
    i: str | None
    result: str
    reason: str  # a code from the table in the module docstring ("" for pass)
    detail: str = ""
    source: str = "live"

    def as_dict(self) -> dict[str, Any]:
        # Spelled out: dataclasses.asdict deep-copies and is several times slower.
        return {
            "index": self.index,
            "d": self.d,
            "s": self.s,
            "a": self.a,
            "i": self.i,
            "result": self.result,
            "reason": self.reason,
            "detail": self.detail,
            "source": self.source,
        }


@dataclass
class DkimOutcome:
    result: str
    signatures: list[DkimSignature] = field(default_factory=list)
    source: str = "live"
    problem: str | None = None

    @property
    def undecided(self) -> bool:
        """No signature passed and some could not be judged now (DNS trouble, key gone)."""
        if any(s.result == "pass" for s in self.signatures):
            return False
        return not self.signatures or any(s.reason in UNDECIDED_REASONS for s in self.signatures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "source": self.source,
            "problem": self.problem,
            "signatures": [s.as_dict() for s in self.signatures],
        }


def best_result(results: list[str]) -> str:
    return min(results, key=lambda r: DKIM_RANK.get(r, 9)) if results else "none"


def _text(tags: dict[bytes, bytes], key: bytes) -> str:
    return tags.get(key, b"").decode("utf-8", "replace").strip()


def _tags(value: bytes) -> dict[bytes, bytes]:
    try:
        return dict(parse_tag_value(value))
    except Exception:  # an unparseable signature is reported, not fatal
        return {}


def _verify_one(verifier: dkim.DKIM, idx: int, fetcher: KeyFetcher, sig: DkimSignature) -> None:
    try:
        ok = verifier.verify(idx=idx, dnsfunc=fetcher)
    except dkim.ValidationError as exc:
        text = str(exc)
        if "body hash mismatch" in text:
            sig.result, sig.reason = "fail", "body-hash-mismatch"
        elif "x= value is past" in text:
            sig.result, sig.reason = "permerror", "signature-expired"
        else:
            sig.result, sig.reason = "permerror", "malformed-signature"
        sig.detail = text[:300]
        return
    except dkim.KeyFormatError as exc:  # e.g. an RSA key below the minimum size
        sig.result, sig.reason, sig.detail = "permerror", "key-invalid", str(exc)[:300]
        return
    except (dkim.MessageFormatError, dkim.ParameterError) as exc:
        sig.result, sig.reason, sig.detail = "permerror", "malformed-signature", str(exc)[:300]
        return
    except Exception as exc:  # dkimpy can trip over hostile input; never stop ingest
        sig.result, sig.reason, sig.detail = "permerror", "verifier-error", repr(exc)[:300]
        return
    if ok:
        sig.result, sig.reason = "pass", ""
        return
    selector_name = f"{sig.s}._domainkey.{sig.d}" if sig.s and sig.d else None
    sig.result, sig.reason, sig.detail = fetcher.classify_false(selector_name)


def check_dkim(raw: bytes, resolver: Resolver) -> DkimOutcome:
    """Verify every DKIM-Signature of the message `raw`. Never raises."""
    try:
        # One parse of the message serves every signature: verify() reads the parsed headers
        # and body without changing them, and resets its per-signature state on each call.
        verifier = DkimVerifier(raw, minkey=MIN_KEY_BITS)
        headers = verifier.headers
    except Exception as exc:
        return DkimOutcome("permerror", problem=f"message cannot be read for DKIM: {exc!r}"[:300])
    values = [v for k, v in headers if k.lower() == b"dkim-signature"]
    if not values:
        return DkimOutcome("none")
    fetcher = KeyFetcher(resolver)
    signatures: list[DkimSignature] = []
    for idx, value in enumerate(values):
        tags = _tags(value)
        sig = DkimSignature(
            index=idx,
            d=_text(tags, b"d").lower(),
            s=_text(tags, b"s"),
            a=_text(tags, b"a"),
            i=_text(tags, b"i") or None,
            result="permerror",
            reason="malformed-signature",
        )
        if tags:
            _verify_one(verifier, idx, fetcher, sig)
        else:
            sig.detail = "the tag list cannot be parsed"
        signatures.append(sig)
    return DkimOutcome(best_result([s.result for s in signatures]), signatures)
