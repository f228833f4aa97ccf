"""File-type sniffing from magic bytes, so an attachment's real type can be compared to its label."""

from __future__ import annotations

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"MZ", "application/x-dosexec"),
    (b"\x7fELF", "application/x-elf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\x1f\x8b", "application/gzip"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"{\\rtf", "text/rtf"),
    (b"BM", "image/bmp"),
)


def sniff_type(data: bytes) -> str | None:
    """The content type the bytes really are, or None when nothing known matches."""
    head = data[:64]
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if len(data) > 0x8006 and data[0x8001:0x8006] == b"CD001":
        return "application/x-iso9660-image"
    low = head.lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html", b"<head", b"<script", b"<svg")):
        return "text/html"
    return None
