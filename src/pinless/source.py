"""Reading Python source files (bytes -> text the way Python itself decodes them), and writing
files without ever leaving half of one."""

from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Decoded:
    text: str | None
    encoding: str  # "utf-8", "utf-8-sig" (BOM), or the coding cookie's
    error: str | None = None  # one line, when text is None
    newline: str = "\n"
    position: tuple[int, int] = (1, 1)  # of the error: 1-based line and column (code points)


def decode(data: bytes) -> Decoded:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        message = exc.msg if hasattr(exc, "msg") else str(exc)
        if not message.startswith("invalid or missing encoding declaration"):
            return Decoded(None, "utf-8", f"cannot decode: {message}")  # an invalid coding cookie
        # no cookie and the first two lines are not UTF-8: say which byte, as below
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        if not isinstance(exc, UnicodeDecodeError):
            return Decoded(None, encoding, f"cannot decode as {encoding}: {exc}")
        seen = exc.object  # utf-8-sig reports positions in the bytes after the BOM
        bad = seen[exc.start:exc.start + 1]
        return Decoded(None, encoding, f"cannot decode byte 0x{bad.hex()} as {encoding}: {exc.reason}",
                       position=_position(seen[:exc.start].decode(encoding, "replace")))
    if text.startswith("\ufeff"):
        text = text[1:]
    newline = "\r\n" if "\r\n" in text[:10000] else "\n"
    return Decoded(text, encoding, None, newline)


def _position(before: str) -> tuple[int, int]:
    """Line and column just after ``before`` (Python's line breaks: ``\n``, ``\r\n``, ``\r``)."""
    lines = io.StringIO(before.removeprefix("\ufeff"), newline="").readlines() or [""]
    last = lines[-1]
    if last.endswith(("\n", "\r")):
        return len(lines) + 1, 1
    return len(lines), len(last) + 1


def encode(text: str, decoded: Decoded) -> bytes:
    """The inverse of decode for a rewritten text: same encoding, BOM and newline style."""
    if decoded.newline == "\r\n":
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode(decoded.encoding)


def write_atomic(path: Path, data: bytes, create: bool = False) -> None:
    """Temp file in the same directory, same mode, then rename: never a half-written file.
    A missing file is an error (a fixed file deleted meanwhile is not brought back) unless
    ``create``."""
    import tempfile  # only when something is written: not loaded by every check

    path = Path(os.path.realpath(path))  # a symbolic link stays a link: write its target
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        if not create:
            raise
        mode = None  # a new file: mkstemp's private mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".pinless", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
