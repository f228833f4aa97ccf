"""Reading a command line for the marks of a download or a proxy execution.

`analyse_command_line` is a pure function: it names what it finds (a download cradle, encoded
PowerShell, a URL, a living-off-the-land binary used with its download or script flag) and
quotes the text that matched, decoding encoded PowerShell and inline base64 payloads so an
analyst reads the script rather than the blob.

`PREFILTER` is a coarse regular expression that every command line with a finding matches
(a unit test holds it to that). Analytics run it in the database, so that only the few
candidate command lines come back to be analysed here.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

# Finding names, in the order they are reported.
CRADLE, ENCODED, INLINE_B64, LOLBIN, URL, WEBDAV = (
    "download_cradle",
    "encoded_powershell",
    "inline_base64",
    "lolbin",
    "url",
    "webdav_path",
)

_DASH = "-/\u2013\u2014\u2015"  # PowerShell accepts en/em dashes as parameter prefixes
_URL = r"(?:https?|ftp)://[^\s\"'<>()]+"

_CRADLES = (
    r"\.download(?:string|file|data)(?:async|taskasync)?\s*\(",
    r"\bdownload(?:string|file|data)\b",
    r"\binvoke-(?:webrequest|restmethod)\b",
    r"(?:^|[\s;|(&{])(?:iwr|irm)(?:\s|$)",
    r"\b(?:curl|wget)(?:\.exe)?[\"']?\s[^|;&]*?" + _URL,
    r"\bnet\.webclient\b",
    r"\bstart-bitstransfer\b",
    r"\b(?:msxml2\.(?:server)?xmlhttp|winhttp\.winhttprequest)\b",
)

# PowerShell takes any prefix of -EncodedCommand ("-e", "-en", "-enc", ... ) and also "-ec".
_ENCODED = (
    rf"(?:^|\s)[{_DASH}](?:ec|e(?:n(?:c(?:o(?:d(?:e(?:d(?:c(?:o(?:m(?:m(?:a(?:n(?:d)?)?)?)?)?)?)?)?)?)?)?)?)?)"
    r"\s+[\"']?([a-z0-9+/]{16,}={0,2})"
)
_INLINE_B64 = r"frombase64string\s*\(\s*[\"']([a-z0-9+/]{24,}={0,2})[\"']"

# (name, what it means, program, pattern over the arguments). The program name may be quoted
# and may carry .exe; the flag must follow it in the same command.
_LOLBINS = (
    ("regsvr32_scriptlet", "regsvr32 loading a remote COM scriptlet (Squiblydoo)", "regsvr32",
     r"[-/]i:\s*[\"']?" + _URL),
    ("certutil_urlcache", "certutil used as a downloader (-urlcache)", "certutil",
     r"[-/](?:urlcache|verifyctl)\b"),
    ("mshta_url", "mshta running an HTML application fetched from a URL", "mshta", _URL),
    ("mshta_inline_script", "mshta running inline script (vbscript:/javascript:)", "mshta",
     r"\b(?:vbscript|javascript|about):"),
    ("rundll32_javascript", "rundll32 running JavaScript through mshtml", "rundll32",
     r"javascript:|mshtml\s*,\s*runhtmlapplication"),
    ("wmic_remote_xsl", "WMIC loading a remote XSL stylesheet (Squiblytwo)", "wmic",
     r"/format:\s*[\"']?(?:https?://|\\\\)"),
    ("bitsadmin_transfer", "bitsadmin creating a download job", "bitsadmin",
     r"[-/](?:transfer|addfile|setnotifycmdline)\b"),
    ("msiexec_remote", "msiexec installing a package straight from a URL", "msiexec",
     r"[-/](?:i|package|a|j[mu]?)\s*[\"']?" + _URL),
    ("cmstp_silent", "cmstp silently installing a connection profile (UAC/AppLocker bypass)",
     "cmstp", r"[-/](?:s|au|ni)\b"),
)  # fmt: skip

_WEBDAV = r"\\\\[^\\\s\"']+@(?:ssl|[0-9]+)\\|\bdavwwwroot\b"

# A superset of every pattern above, cheap enough to run over every process start.
PREFILTER = "|".join(
    [
        r"(?:https?|ftp)://",
        r"download(?:string|file|data)",
        r"invoke-(?:webrequest|restmethod)",
        r"(?:^|[\s;|(&{])(?:iwr|irm)(?:\s|$)",
        r"webclient|bitstransfer|xmlhttp|winhttprequest",
        rf"[{_DASH}]e[a-z]*\s+[\"']?[a-z0-9+/]{{16}}",
        r"frombase64string",
        r"urlcache|verifyctl|javascript:|vbscript:|about:|runhtmlapplication|/format:",
        r"[-/](?:transfer|addfile|setnotifycmdline)",
        r"cmstp",
        r"@ssl\\|@[0-9]+\\|davwwwroot",
    ]
)


@dataclass(frozen=True)
class CmdlineFinding:
    name: str  # one of the names above
    detail: str  # what it means, in words (for a LOLBin: which use)
    matched: str  # the text of the command line that matched
    decoded: str | None = None  # the decoded script, for encoded PowerShell and inline base64


def _program_stem(program: str) -> str:
    name = re.sub(r"^.*[\\/]", "", program.strip().strip("\"'").lower())
    return re.sub(r"\.exe$", "", name)


def _decode_powershell(blob: str) -> str | None:
    """-EncodedCommand is base64 of UTF-16LE text; None when it is not that."""
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        text = raw.decode("utf-16-le")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if text and printable / len(text) > 0.9 else None


def _decode_inline(blob: str) -> str | None:
    """Inline payloads are often gzip or raw deflate (PowerShell stagers), else plain text."""
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    for inflate in (gzip.decompress, lambda b: zlib.decompress(b, -15)):
        try:
            raw = inflate(raw)
            break
        except (OSError, EOFError, zlib.error):
            continue
    for codec in ("utf-8", "utf-16-le"):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if text and sum(ch.isprintable() or ch in "\r\n\t" for ch in text) / len(text) > 0.9:
            return text
    return None


def _first(pattern: str, text: str) -> re.Match[str] | None:
    return re.search(pattern, text, re.IGNORECASE)


def analyse_command_line(
    command_line: str | None, programs: Iterable[str] = ()
) -> list[CmdlineFinding]:
    """What `command_line` shows of downloads and proxy execution, each with the matched text.

    `programs` are the names the process is known by (image name, PE original file name): a
    command line logged without its program ("/u /s /i:http://... scrobj.dll") is then still
    read as that program's. Findings come in the order of the names above, without repeats.
    """
    text = (command_line or "").strip()
    if not text:
        return []
    found: list[CmdlineFinding] = []
    for pattern in _CRADLES:
        m = _first(pattern, text)
        if m:
            found.append(CmdlineFinding(CRADLE, "download cradle", m.group(0).strip()))
            break
    m = _first(_ENCODED, text)
    if m:
        decoded = _decode_powershell(m.group(1))
        if decoded is not None:
            found.append(CmdlineFinding(ENCODED, "encoded PowerShell", m.group(0).strip(), decoded))
    m = _first(_INLINE_B64, text)
    if m:
        decoded = _decode_inline(m.group(1))
        found.append(
            CmdlineFinding(INLINE_B64, "inline base64 payload", m.group(0)[:80] + "…", decoded)
        )
    lowered = text.lower()
    stems = {_program_stem(p) for p in programs if p}
    for name, detail, program, args in _LOLBINS:
        # The program named in the command line, or the process itself when the line omits it.
        m = _first(rf"\b{program}(?:\.exe)?[\"']?\s[^|&;]*?(?:{args})", text)
        if m is None and program in stems and program not in lowered:
            m = _first(args, text)
        if m:
            found.append(CmdlineFinding(LOLBIN, f"{name}: {detail}", m.group(0).strip()))
    m = _first(_URL, text)
    if m:
        found.append(CmdlineFinding(URL, "URL", m.group(0)))
    m = _first(_WEBDAV, text)
    if m:
        found.append(CmdlineFinding(WEBDAV, "WebDAV path", m.group(0)))
    return found


def describe(findings: Iterable[CmdlineFinding], limit: int = 400) -> str:
    """The findings in one line for an alert message; decoded scripts are quoted, shortened."""
    parts = []
    for f in findings:
        part = f"{f.detail} `{_short(f.matched, 160)}`"
        if f.decoded:
            part += f" (decoded: {_short(f.decoded, limit)!r})"
        parts.append(part)
    return "; ".join(parts)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
