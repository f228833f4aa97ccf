"""SMTP (RFC 5321 and its extensions): command lines from the client, reply lines from the
server.

Client commands are judged until the client hands the connection to something that is not
commands: the message after DATA or BDAT, TLS after STARTTLS, SASL exchanges after AUTH.
Server replies are judged until bytes that are not text (a TLS record after STARTTLS).
"""

from __future__ import annotations

from lurewatch.net.payload.lines import (
    CUT,
    LF,
    Line,
    control_byte,
    has_bare_cr,
    shown,
    split_lines,
)

MALFORMED = "smtp_malformed"
MAX_COMMAND = 512  # RFC 5321 §4.5.3.1.4, CR LF included
MAX_AUTH_COMMAND = 12288  # RFC 4954 §4: AUTH with an initial response
MAX_REPLY = 512  # RFC 5321 §4.5.3.1.5

VERBS = frozenset(
    {
        b"EHLO", b"HELO", b"MAIL", b"RCPT", b"DATA", b"RSET", b"VRFY", b"EXPN", b"HELP", b"NOOP",
        b"QUIT", b"STARTTLS", b"AUTH", b"BDAT", b"ETRN", b"ATRN", b"TURN", b"SEND", b"SOML",
        b"SAML", b"XCLIENT", b"XFORWARD", b"XEXCH50", b"X-EXPS", b"X-LINK2STATE",
    }
)  # fmt: skip
# After these the client stops sending commands on this buffer's terms.
HAND_OVER = frozenset({b"DATA", b"BDAT", b"STARTTLS"})
_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def banner_words(p: bytes) -> tuple[bool, bool]:
    """Whether the start of a 220 greeting names SMTP, and whether it names FTP."""
    low = p[:512].lower()
    smtp = b"smtp" in low  # also ESMTP; every common MTA names it in its greeting
    ftp = b"ftp" in low or b"filezilla" in low
    return smtp, ftp


def client_verb(p: bytes) -> bool:
    """The client opens with EHLO, HELO or MAIL FROM (case-insensitive, RFC 5321 §2.4)."""
    head = p[:11].upper()
    return head[:5] in (b"EHLO ", b"HELO ", b"EHLO\r", b"HELO\r") or head.startswith(b"MAIL FROM:")


def _endings(problems: list[tuple[str, str]], lines: list[Line], side: str) -> None:
    bare_lf = sum(1 for ln in lines if ln.end == LF)
    if bare_lf:
        problems.append(
            (
                MALFORMED,
                f"{bare_lf} {side} line(s) end with a bare LF (RFC 5321 §2.3.8; the trick behind SMTP smuggling)",
            )
        )
    if any(has_bare_cr(ln.text) for ln in lines):
        problems.append((MALFORMED, f"bare CR inside a {side} line (RFC 5321 §2.3.8)"))


def _is_text(text: bytes) -> bool:
    """No control bytes other than TAB, LF, VT, FF, CR: a TLS record or a binary body is not."""
    return control_byte(text[:64]) is None


def _check_commands(problems: list[tuple[str, str]], lines: list[Line]) -> list[Line]:
    judged: list[Line] = []
    in_auth = False
    for line in lines:
        text = line.text
        if line.end == CUT:
            # A command cut by the segment's end is judged when it is already too long: an
            # AUTH line (or a SASL response) may run to MAX_AUTH_COMMAND, any other to 512.
            verb = text.split(b" ", 1)[0].upper()
            long_verb = in_auth or verb == b"AUTH" or verb not in VERBS
            limit = MAX_AUTH_COMMAND if long_verb else MAX_COMMAND
            if len(text) >= limit:
                problems.append(
                    (MALFORMED, f"command line runs past {limit} octets without ending")
                )
            break
        if not _is_text(text):
            problems.append((MALFORMED, f"binary bytes in a command line: '{shown(text, 30)}'"))
            break
        judged.append(line)
        if in_auth and (text == b"*" or all(c in _BASE64 for c in text.rstrip(b"\r"))):
            continue  # a SASL response (RFC 4954 §4), not a command
        in_auth = False
        verb = text.split(b" ", 1)[0].rstrip(b"\r").upper()
        if verb not in VERBS:
            problems.append((MALFORMED, f"unknown SMTP command '{shown(verb, 20)}'"))
        limit = MAX_AUTH_COMMAND if verb == b"AUTH" else MAX_COMMAND
        if line.size > limit:
            problems.append(
                (
                    MALFORMED,
                    f"{verb.decode('latin-1')} command line of {line.size} octets (at most {limit})",
                )
            )
        upper = text.upper()
        if verb == b"MAIL" and not upper.startswith(b"MAIL FROM:"):
            problems.append((MALFORMED, f"MAIL without FROM: '{shown(text, 40)}'"))
        elif verb == b"RCPT" and not upper.startswith(b"RCPT TO:"):
            problems.append((MALFORMED, f"RCPT without TO: '{shown(text, 40)}'"))
        if verb in HAND_OVER:
            break
        in_auth = verb == b"AUTH"
    return judged


def _check_replies(problems: list[tuple[str, str]], lines: list[Line]) -> list[Line]:
    judged: list[Line] = []
    continuing: bytes | None = None  # the code of a multi-line reply still open
    for line in lines:
        text = line.text
        if line.end == CUT or not _is_text(text):
            break
        judged.append(line)
        code = text[:3]
        shaped = len(code) == 3 and code.isdigit() and text[3:4] in (b"", b" ", b"-", b"\r")
        if not shaped:
            problems.append(
                (MALFORMED, f"reply line does not start with a 3-digit code: '{shown(text, 40)}'")
            )
            continuing = None
            continue
        if code[:1] not in b"2345":
            problems.append((MALFORMED, f"reply code {code.decode()} outside 2xx-5xx"))
        if continuing is not None and code != continuing:
            problems.append(
                (
                    MALFORMED,
                    f"multi-line reply changes code from {continuing.decode()} to {code.decode()}",
                )
            )
        continuing = code if text[3:4] == b"-" else None
        if line.size > MAX_REPLY:
            problems.append((MALFORMED, f"reply line of {line.size} octets (at most {MAX_REPLY})"))
    return judged


def check(payload: bytes, from_client: bool) -> list[tuple[str, str]]:
    """smtp_malformed problems of client commands or server replies in the buffer."""
    problems: list[tuple[str, str]] = []
    lines = split_lines(payload[:65536], max_lines=256)
    check_lines = _check_commands if from_client else _check_replies
    judged = check_lines(problems, lines)
    _endings(problems, judged, "command" if from_client else "reply")
    return problems
