"""Text files in the encoding they really have: a UTF-8 byte-order mark is accepted, any other
encoding is named in the error (UTF-16/UTF-32 by their byte-order mark, GBK/GB18030 -- common
for files saved by Chinese Excel -- by trying to decode), so the user knows to re-save as UTF-8."""

from __future__ import annotations

import codecs

from fundsvc.errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32 (little-endian)"), (codecs.BOM_UTF32_BE, "UTF-32 (big-endian)"),
    (codecs.BOM_UTF16_LE, "UTF-16 (little-endian)"), (codecs.BOM_UTF16_BE, "UTF-16 (big-endian)"),
)
_RESAVE = "save it as UTF-8 (in Excel: “CSV UTF-8”)"


def decode_utf8(raw: bytes, display: str) -> str:
    """``raw`` as text: UTF-8, with or without a byte-order mark.

    Raises
    ------
    InputError
        The bytes are in another encoding; the message names it (UTF-16, UTF-32, GBK) or the
        first byte that is not UTF-8.
    """
    raw = raw.removeprefix(codecs.BOM_UTF8)
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise InputError.single(display, "", f"is encoded in {name}, not UTF-8; {_RESAVE}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.single(display, "", f"is not UTF-8 text: {_guess(raw, exc.start)}; {_RESAVE}") from None
    if "\x00" in text:
        guess = "UTF-16 without a byte-order mark" if text.count("\x00") * 3 >= len(text) else "binary data"
        raise InputError.single(display, "", f"contains NUL bytes (looks like {guess}), not UTF-8 text; {_RESAVE}")
    return text


def _guess(raw: bytes, start: int) -> str:
    for encoding, name in (("gbk", "GBK"), ("gb18030", "GB18030"), ("big5", "Big5")):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return f"it looks like {name} (Chinese) — byte {start} is not valid UTF-8"
    return f"byte {start} is not valid UTF-8 (unknown encoding)"
