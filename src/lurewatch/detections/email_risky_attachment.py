"""Attachments that run code or harvest credentials, and attachments disguised as something else."""

from __future__ import annotations

import re
from typing import Any

import orjson

from lurewatch.detections.base import EventDetection, Example, Hit, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row

# Run code when opened (or mount something that does).
EXECUTABLE = {
    "exe",
    "scr",
    "com",
    "pif",
    "bat",
    "cmd",
    "js",
    "jse",
    "vbs",
    "vbe",
    "wsf",
    "wsh",
    "hta",
    "ps1",
    "psm1",
    "lnk",
    "msi",
    "msix",
    "appx",
    "dll",
    "cpl",
    "jar",
    "iso",
    "img",
    "vhd",
    "vhdx",
    "one",
    "xll",
    "library-ms",
    "url",
    "reg",
    "chm",
    "settingcontent-ms",
    "application",
    "gadget",
}
# Open a local page that can post credentials anywhere.
PAGE = {"html", "htm", "xhtml", "shtml", "svg", "mht", "mhtml"}
MACRO = {"docm", "xlsm", "pptm", "dotm", "xltm", "xlam", "ppam", "sldm"}
EXEC_TYPES = {"application/x-dosexec", "application/x-elf"}
_DECOY = {"pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "txt", "rtf"}
# Bytes a file name can have on common file systems; a longer name is cut somewhere between
# the filter and the reader, and padding (spaces, underscores) pushes the real extension out
# of sight.
NAME_MAX = 255


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def judge(att: dict[str, Any]) -> tuple[Severity, str] | None:
    name = (att.get("name") or "").strip()
    ext = _ext(name)
    sniffed = att.get("sniffed_type") or ""
    parts = [p.strip(" _-\t") for p in name.lower().split(".")]
    if len(parts) >= 3 and parts[-2] in _DECOY and parts[-1] in EXECUTABLE | PAGE:
        return "high", f"{_shown(name)} hides a .{ext} behind a .{parts[-2]} double extension"
    if sniffed in EXEC_TYPES and ext not in EXECUTABLE:
        return (
            "high",
            f"{name or 'an unnamed part'} is really a program ({sniffed}) though named .{ext or '?'}",
        )
    if ext in EXECUTABLE:
        return "high", f"{name!r} is a .{ext} file, which runs code when opened"
    if sniffed == "text/html" and ext in _DECOY:
        return "high", f"{name!r} is an HTML page disguised as .{ext}"
    if ext in PAGE or (sniffed == "text/html" and not ext):
        return (
            "medium",
            f"{name or 'an attachment'} is a local web page (.{ext or 'html'}), a common credential-harvest lure",
        )
    if ext in MACRO:
        return "medium", f"{name!r} is a macro-enabled Office document"
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > NAME_MAX:
        return (
            "medium",
            f"{_shown(name)} is a name of {size} bytes, "
            f"longer than file systems hold ({NAME_MAX}): the end of it, where the extension "
            "is, may not be what a filter or the reader sees",
        )
    return None


def _shown(name: str) -> str:
    """A name as the alert quotes it: padding squeezed, so a padded name fits on a line."""
    squeezed = re.sub(r"([ _\t-])\1{3,}", lambda m: f"{m.group(1)}[×{len(m.group(0))}]", name)
    return repr(squeezed if len(squeezed) <= 120 else squeezed[:100] + "…" + squeezed[-16:])


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    findings = [j for a in orjson.loads(row.get("email.attachments") or "[]") if (j := judge(a))]
    if not findings:
        return None
    severity: Severity = "high" if any(s == "high" for s, _ in findings) else "medium"
    return Hit("Risky attachment: " + "; ".join(r for _, r in findings) + ".", severity=severity)


def _att(name: str, declared: str, sniffed: str | None) -> str:
    return orjson.dumps(
        [
            {
                "name": name,
                "declared_type": declared,
                "sniffed_type": sniffed,
                "size": 1000,
                "sha256": "0" * 64,
            }
        ]
    ).decode()


DETECTIONS = [
    EventDetection(
        id="email_risky_attachment",
        title="Executable, web-page or disguised attachment",
        clause="E1",
        techniques=("T1566.001", "T1204.002"),
        severity="medium",
        evidence_kinds=("email",),
        description="An attachment that runs code (executables, scripts, shortcuts, disk images), "
        "a local HTML/SVG page, a macro-enabled document, or a file whose real type or double "
        "extension disagrees with its name.",
        false_positives="Software vendors and IT sending installers; HTML receipts from some "
        "billing systems.",
        playbook="Do not open it on a workstation; take the sha256 to your sandbox or intel; pivot "
        "on the hash and the sender for other recipients; check endpoints of recipients for the "
        "file being run (process events).",
        table="email",
        check=check,
        examples=(
            Example(
                "double extension",
                True,
                email_row(
                    attachments=_att(
                        "invoice.pdf.exe", "application/octet-stream", "application/x-dosexec"
                    )
                ),
            ),
            Example(
                "html lure",
                True,
                email_row(attachments=_att("Payment_Advice.htm", "text/html", "text/html")),
            ),
            Example(
                "program named as pdf",
                True,
                email_row(attachments=_att("scan.pdf", "application/pdf", "application/x-dosexec")),
            ),
            Example(
                "double extension padded out of sight",
                True,
                email_row(
                    attachments=_att(
                        "invoice.pdf" + " " * 240 + ".exe", "application/pdf", "application/pdf"
                    )
                ),
            ),
            Example(
                "ordinary pdf",
                False,
                email_row(attachments=_att("report.pdf", "application/pdf", "application/pdf")),
            ),
            Example(
                "signature part",
                False,
                email_row(attachments=_att("signature.asc", "application/pgp-signature", None)),
            ),
        ),
    )
]
