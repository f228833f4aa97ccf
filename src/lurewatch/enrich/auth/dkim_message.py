"""A message split into header fields and body the way dkimpy splits it, without its body scan.

dkimpy's reader (`dkim.rfc822_parse`) cuts the whole message into lines with
`re.split(b"\\r?\\n")` and joins the body's lines again with CRLF. A pattern that starts with an
optional character cannot jump to the next newline, so the split walks the body byte by byte:
for mail with attachments it cost more than the RSA check of the signature.

Here the header section alone goes through dkimpy's reader, so fields are read (and rejected)
exactly as dkimpy reads them, and the body gets the same line endings from two literal
replaces: every CRLF or bare LF becomes CRLF, a bare CR stays as it is.

Importing this module also hands dkimpy's RSA step to OpenSSL (`dkim_rsa`), with the same
answers, has dkimpy remember the key records it parsed (`keys.remember_parsed_keys`), and gives
it a pattern without backtracking to empty the b= tag before hashing (`dkim_btag`) and leaner
twins of its relaxed canonicalization steps (`dkim_canon`).
"""

from __future__ import annotations

from typing import Any

import dkim

from lurewatch.enrich.auth.dkim_btag import use_linear_btag
from lurewatch.enrich.auth.dkim_canon import use_lean_canonicalization
from lurewatch.enrich.auth.dkim_rsa import use_openssl_in_dkimpy
from lurewatch.enrich.auth.keys import remember_parsed_keys
from lurewatch.readers.header_section import blank_line

use_openssl_in_dkimpy()
remember_parsed_keys()
use_linear_btag()
use_lean_canonicalization()


def split_message(raw: bytes) -> tuple[list[list[bytes]], bytes]:
    """(header fields, CRLF body), equal to `dkim.rfc822_parse(raw)`."""
    end = blank_line(raw)
    if end is None:
        return dkim.rfc822_parse(raw)  # no body: every line is a header line
    headers, _ = dkim.rfc822_parse(raw[:end])
    body_start = end + (1 if raw[end : end + 1] == b"\n" else 2)
    body = raw[body_start:]
    if b"\r" in body:
        body = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    else:  # LF alone, as mbox files keep mail: one pass (a fifth of the two)
        body = body.replace(b"\n", b"\r\n")
    return headers, body


class _SplitOnce:
    """Replaces dkimpy's message reader with `split_message`; the rest of the verifier is
    dkimpy's own."""

    headers: Any
    body: Any

    def set_message(self, message: bytes | None) -> None:
        super().set_message(None)  # type: ignore[misc]  # resets the verifier's state
        if message:
            self.headers, self.body = split_message(message)


class DkimVerifier(_SplitOnce, dkim.DKIM):
    """dkimpy's DKIM verifier reading the message with `split_message`, and canonicalizing
    only the header fields a signature covers (dkimpy canonicalizes every field of the
    message for each signature, then picks the signed ones by name: the same fields, in the
    same order, whichever way)."""

    def verify(self, idx: int = 0, dnsfunc: Any = dkim.get_txt) -> bool:
        prep = self.verify_headerprep(idx)
        if not prep:
            return False  # no signature at `idx`
        sig, include_headers, sigheaders = prep
        every, signed = self.headers, set(include_headers)
        self.headers = [h for h in every if h[0].lower() in signed]
        try:
            return bool(self.verify_sig(sig, include_headers, sigheaders[idx], dnsfunc))
        finally:
            self.headers = every


class ArcVerifier(_SplitOnce, dkim.ARC):
    """dkimpy's ARC verifier reading the message with `split_message`."""
