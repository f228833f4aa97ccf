"""FTP control connection (RFC 959): reply lines from the server, command lines from the client.

A reply is `NNN text`; a multi-line reply opens with `NNN-` and closes with `NNN ` of the same
code, and the lines between are free text (RFC 959 §4.2). A command is a verb of three or four
letters. After AUTH TLS/SSL (RFC 4217) the client speaks TLS, which is not judged here.
"""

from __future__ import annotations

from lurewatch.net.payload.lines import CUT, LF, Line, shown, split_lines

MALFORMED = "protocol_malformed"

# Commands a client may open with, and that no other protocol lurewatch knows opens with.
# USER and PASS are shared with POP3 (RFC 1939) and IRC; see `client_verb`.
OPENING_VERBS = frozenset({b"USER", b"PASS", b"AUTH", b"FEAT", b"SYST", b"OPTS", b"HOST", b"ACCT"})


def client_verb(p: bytes) -> bool:
    """An FTP client's first command. IRC also opens with PASS or USER, but follows PASS with
    NICK and gives USER four parameters; those are not taken for FTP."""
    end = p.find(b"\n", 0, 256)
    line = (p[:end] if end >= 0 else p[:256]).rstrip(b"\r")
    verb, _, arg = line.partition(b" ")
    verb = verb.upper()
    if verb not in OPENING_VERBS:
        return False
    if verb == b"AUTH":
        return arg.upper() in (
            b"TLS",
            b"SSL",
            b"TLS-C",
            b"TLS-P",
        )  # SMTP AUTH names a SASL mechanism
    if verb == b"USER":
        return b" " not in arg.strip()
    if verb == b"PASS":
        return b"\nNICK " not in p[:512].upper()
    return True


def _shaped(text: bytes) -> bool:
    return len(text) >= 3 and text[:3].isdigit() and text[3:4] in (b"", b" ", b"-")


def _continues_earlier_reply(lines: list[Line]) -> bool:
    """Does the buffer open inside a multi-line reply begun in an earlier segment? Its text
    lines then come first, and a closing `NNN ` line, or the leading space feature lists use
    (RFC 2389), gives it away."""
    if not lines or _shaped(lines[0].text):
        return False
    if lines[0].text[:1] == b" ":
        return True
    return any(_shaped(ln.text) and ln.text[3:4] != b"-" for ln in lines if ln.end != CUT)


def _check_replies(problems: list[tuple[str, str]], lines: list[Line]) -> list[Line]:
    judged: list[Line] = []
    open_code: bytes | None = None  # the code of the multi-line reply in progress
    if _continues_earlier_reply(lines):
        open_code = b"???"  # closed by the first complete reply line below
    for line in lines:
        if line.end == CUT:
            break
        judged.append(line)
        text = line.text
        code = text[:3]
        shaped = _shaped(text)
        if open_code is not None:
            if shaped and code in (open_code, b"???") and text[3:4] != b"-":
                open_code = None  # the closing line
            continue  # text inside a multi-line reply is free
        if not shaped:
            problems.append(
                (
                    MALFORMED,
                    f"FTP reply line does not start with a 3-digit code: '{shown(text, 40)}'",
                )
            )
            continue
        if code[:1] not in b"12345":
            problems.append((MALFORMED, f"FTP reply code {code.decode()} outside 1xx-5xx"))
        if text[3:4] == b"-":
            open_code = code
    return judged


def _check_commands(problems: list[tuple[str, str]], lines: list[Line]) -> list[Line]:
    judged: list[Line] = []
    for line in lines:
        if line.end == CUT:
            break
        judged.append(line)
        verb, _, arg = line.text.partition(b" ")
        if not (3 <= len(verb) <= 4 and verb.isalpha()):
            problems.append(
                (MALFORMED, f"FTP command verb '{shown(verb, 20)}' is not 3 or 4 letters")
            )
        if verb.upper() == b"AUTH":
            break  # TLS follows
    return judged


def check(payload: bytes, from_client: bool) -> list[tuple[str, str]]:
    """protocol_malformed problems of FTP replies or commands in the buffer."""
    problems: list[tuple[str, str]] = []
    lines = split_lines(payload[:65536], max_lines=256)
    judged = _check_commands(problems, lines) if from_client else _check_replies(problems, lines)
    bare_lf = sum(1 for ln in judged if ln.end == LF)
    if bare_lf:
        problems.append(
            (MALFORMED, f"{bare_lf} FTP control line(s) end with a bare LF instead of CRLF")
        )
    return problems
