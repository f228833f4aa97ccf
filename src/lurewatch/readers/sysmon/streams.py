"""Opening a Sysmon log for reading as bytes, plain or gzip (by its magic bytes, not its name:
lurewatch.readers.log_stream), an unreadable file being one Reject.

Winlogbeat file output and shared data sets often come compressed; a stream cut short raises
one of log_stream.STREAM_ERRORS part way, and what was read before it stands.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from lurewatch.readers.log_stream import open_binary_log
from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon.rows import SysmonMapper


def read_error(exc: BaseException, where: str) -> str:
    what = "compressed stream ends early" if isinstance(exc, EOFError) else "read error"
    return f"{what} after {where}, the rest is unreadable: {exc}"[:300]


T = TypeVar("T")


def read_file(
    path: Path | str,
    unused: Counter[str] | None,
    body: Callable[[IO[bytes], str, SysmonMapper], Iterator[T]],
) -> Iterator[T | Reject]:
    """Open `path` (plain or gzip) and run `body` over it with a mapper; an unreadable file is
    one Reject, not an exception."""
    name = str(path)
    mapper = SysmonMapper(name, unused if unused is not None else Counter())
    fh = open_or_reject(name)
    if isinstance(fh, Reject):
        yield fh
        return
    with fh:
        yield from body(fh, name, mapper)


def open_or_reject(name: str) -> IO[bytes] | Reject:
    """The file open for reading (plain or gzip), or the Reject saying why it cannot be."""
    try:
        return open_binary_log(Path(name))
    except OSError as exc:
        return Reject("file", name, None, f"cannot read file: {exc.strerror or exc}")
