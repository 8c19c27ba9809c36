"""Large text tables read a block of whole rows at a time: blocks cut at a row's end.

Used by the readers of exports (`engine.incidents.eventdata`) and of ceasefire's own tables
(`engine.incidents.tables`), so that memory stays at a block and its frames however many rows a file has.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import BinaryIO


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
