"""How names are compared: the one spelling key that parties, acts, places and countries match on."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable


def normalize(name: str) -> str:
    """Names match case-insensitively, ignoring punctuation, spacing, accents and modifier letters.

    Accents go with the combining marks of the decomposed form, so that a name typed composed (`é`)
    or decomposed (`e` and U+0301) matches, and so do transliterations with and without diacritics
    (`Fatḥ al-Shām`, `Fath al-Sham`) and Arabic with and without its vowel marks.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _NOT_LETTERS.sub("", bare.casefold())


# Not letters for matching: punctuation, spacing, `_`, and the modifier letters that transliterations
# write for ayn, hamza and soft signs (`ʿ ʾ ʼ ʹ ʻ`, Unicode's Spacing Modifier Letters and Modifier Tone
# Letters): `Darʿā`, `Dar'a` and `Dara` match. Arabic script keeps every letter it has.
_NOT_LETTERS = re.compile(r"[\W_\u02b0-\u02ff\ua700-\ua71f]+")


def prevailing(told: Iterable[tuple[str, int]]) -> dict[str, str]:
    """Each spelling told → the one shown for every spelling that matches alike (`normalize`): the most told of
    them, the first told where several are told as often.

    `told` gives each distinct spelling once, with how many times it is told, in the order first told. A spelling
    with no letter at all (`?`, `--`) matches no other: each is shown as it is.
    """
    shown: dict[str, tuple[str, int]] = {}  # by key: the spelling shown, and how often it is told
    keys: dict[str, str] = {}
    for spelling, n in told:
        key = keys[spelling] = normalize(spelling) or "\0" + spelling  # `\0`: no key of letters is one of these
        if key not in shown or n > shown[key][1]:
            shown[key] = (spelling, n)
    return {spelling: shown[key][0] for spelling, key in keys.items()}
