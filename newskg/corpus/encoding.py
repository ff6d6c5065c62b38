"""Decode bytes of a Chinese text file: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030/GBK.

Chinese government pages still circulate as GBK; charset-normalizer settles the rare case that is
neither valid UTF-8 nor valid GB18030 but we only accept decodings that look like text.
"""
from __future__ import annotations

import codecs

from newskg.corpus.errors import BinaryFileError, EmptyFileError, EncodingError

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL = {c for c in range(32) if chr(c) not in "\t\n\r\f\v"}


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b in _CONTROL)
    return controls > max(4, len(head) // 100)


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises InputError subclasses with a one-line reason."""
    if not data.strip():
        raise EmptyFileError("empty file")
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as e:  # a BOM, then bytes that are not that encoding
                raise EncodingError(f"undecodable bytes: {name} byte-order mark, then invalid {name} "
                                    f"at byte {e.start}") from e
    if _looks_binary(data):
        raise BinaryFileError("binary file (NUL or control bytes), not text")
    for name in ("utf-8", "gb18030"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise EncodingError("undecodable bytes: neither UTF-8 nor GB18030 nor any known encoding")
    return str(best), best.encoding
