"""Large text tables read a block of whole rows at a time: blocks cut at a row's end.

Used by the readers of exports (`engine.incidents.eventdata`) and of ceasefire's own tables
(`engine.incidents.tables`), so that memory stays at a block and its frames however many rows a file has.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, NamedTuple

# The C0 controls but tab (0x09), line feed (0x0A) and carriage return (0x0D); DEL is 0x7F; C1 controls are
# U+0080–U+009F, two bytes each in UTF-8. `yamlsafe.CONTROL` finds the same characters in text.
_C0 = [b for b in range(0x20) if b not in (0x09, 0x0A, 0x0D)]
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_NOT_C0_OR_DEL = bytes(b for b in range(0x100) if b not in _C0 and b != 0x7F)  # deleted: what is left is a control


def blocks(stream: BinaryIO, size: int, row_end: Callable[[bytes], int], first: int | None = None) -> Iterator[bytes]:
    """The rest of `stream`, from where it stands (at a row's start), in blocks of whole rows of about `size` bytes
    (the first of about `first`, if given: a small first block is read and passed on sooner).

    `row_end(block)` says where the last whole row of a block ends (the index after its line break), or
    -1 if none does: the block is then read again, twice as large (a row longer than a block). The row cut
    in two at a block's end is read again with the next block; the last block ends where the file does.
    `stream` must be seekable.
    """
    read = first or size
    while True:
        block = stream.read(read)
        if not block:
            return
        cut = row_end(block) if len(block) == read else len(block)
        if cut < 0:
            stream.seek(-len(block), io.SEEK_CUR)
            read *= 2
            continue
        read = size
        if cut < len(block):
            stream.seek(cut - len(block), io.SEEK_CUR)
            block = block[:cut]
        yield block


def csv_row_end(block: bytes) -> int:
    """Where the last whole CSV row in `block` ends (after its line break), or -1: a line break with an even number
    of quotes before it (a quoted cell's `""` counts two), the block starting at a row's start."""
    quotes = block.count(b'"')
    end = len(block)
    while True:
        at = block.rfind(b"\n", 0, end)
        if at < 0:
            return -1
        after = block.count(b'"', at)
        if (quotes - after) % 2 == 0:
            return at + 1
        end = at


def line_end(block: bytes) -> int:
    """Where the last whole line in `block` ends (after its `\\n`), or -1: JSON Lines, whose text holds no raw `\\n`."""
    return block.rfind(b"\n") + 1 or -1


class Census(NamedTuple):
    """What a block of UTF-8 text holds that decides how it may be read (see `census`)."""

    breaks: int  # line feeds
    returns: int  # carriage returns
    quotes: int  # `"`
    doubled: bool  # whether two quotes stand side by side somewhere (`""`)
    control: bool  # whether a control character is anywhere (`has_control_bytes`)


def census(block: bytes) -> Census:
    """The line feeds, carriage returns and quotes of `block` counted, and whether it holds `""` or a control
    character: one pass over the bytes (numpy, `_CHUNK` at a time), where `bytes.count` and friends take one each."""
    import numpy as np

    low, quotes = _lows_and_quotes(block)
    doubled = bool(quotes.size > 1 and (np.diff(quotes) == 1).any())
    return Census(int(low[0x0A]), int(low[0x0D]), int(quotes.size), doubled, _control(block, low))


def has_control_bytes(raw: bytes) -> bool:
    """Whether UTF-8 text holds a control character anywhere (as `yamlsafe.CONTROL` finds them)."""
    return bool(raw.translate(None, _NOT_C0_OR_DEL)) or (not raw.isascii() and _C1.search(raw) is not None)


# Bytes looked at a time: a chunk's masks stay in the processor's cache (a 32 MB block at once: 1.7× the time).
_CHUNK = 256 * 1024


def _lows_and_quotes(raw: bytes) -> tuple[Any, Any]:
    """How many of each byte below a space `raw` holds (an array indexed by the byte), and where its quotes are."""
    import numpy as np

    data = np.frombuffer(raw, np.uint8)
    low = np.zeros(0x20, np.int64)
    found = [np.zeros(0, np.int64)]
    for start in range(0, data.size, _CHUNK):
        chunk = data[start : start + _CHUNK]
        low += np.bincount(chunk[chunk < 0x20], minlength=0x20)
        found.append(np.flatnonzero(chunk == 0x22) + start)
    return low, np.concatenate(found)


def _control(raw: bytes, low: Any) -> bool:
    """Whether `raw` holds a control character, `low` counting each of its bytes below a space."""
    return bool(low[_C0].any()) or b"\x7f" in raw or (not raw.isascii() and _C1.search(raw) is not None)
