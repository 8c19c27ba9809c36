"""The byte census that decides how a block of a large table is read, against Python's own counts."""

from __future__ import annotations

from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from engine.incidents import blocks
from engine.incidents.blocks import census, has_control_bytes
from engine.yamlsafe import CONTROL

# Text much like a CSV export's, with the bytes the census looks for drawn often.
_TEXT = st.text(
    st.one_of(
        st.sampled_from(['"', "\n", "\r", "\t", ",", "a", "é", "\x00", "\x1b", "\x7f", "\x85", "\u0100", "\u00a0"]),
        st.characters(),
    ),
    max_size=200,
)


@given(_TEXT, st.sampled_from([1, 2, 3, 7, 64, blocks._CHUNK]))
def test_census_counts_as_python_does(text: str, chunk: int) -> None:
    """Counted a chunk at a time, whatever the chunk's size (a `""` may straddle two)."""
    block = text.encode("utf-8", "surrogatepass")
    with mock.patch.object(blocks, "_CHUNK", chunk):
        counted = census(block)
    assert counted.breaks == block.count(b"\n")
    assert counted.returns == block.count(b"\r")
    assert counted.quotes == block.count(b'"')
    assert counted.doubled == (b'""' in block)
    assert counted.control == (CONTROL.search(text) is not None) == has_control_bytes(block)


def test_census_of_nothing() -> None:
    assert census(b"") == (0, 0, 0, False, False)
    assert census(b'a,"b ""c""",d\r\n') == (1, 1, 6, True, False)
    assert census(b"a\x1b[31m,b\n").control
