"""Reading Python source files: bytes -> text the way Python itself decodes them."""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass


@dataclass(frozen=True)
class Decoded:
    text: str | None
    encoding: str  # "utf-8", "utf-8-sig" (BOM), or the coding cookie's
    error: str | None = None  # one line, when text is None
    newline: str = "\n"


def decode(data: bytes) -> Decoded:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # an invalid coding cookie
        return Decoded(None, "utf-8", f"cannot decode: {exc.msg if hasattr(exc, 'msg') else exc}")
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        return Decoded(None, encoding, f"cannot decode as {encoding}{where}: {reason}")
    if text.startswith("\ufeff"):
        text = text[1:]
    newline = "\r\n" if "\r\n" in text[:10000] else "\n"
    return Decoded(text, encoding, None, newline)


def encode(text: str, decoded: Decoded) -> bytes:
    """The inverse of decode for a rewritten text: same encoding, BOM and newline style."""
    if decoded.newline == "\r\n":
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text.encode(decoded.encoding)
