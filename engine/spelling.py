"""How names are compared: the one spelling key that parties, acts, places and countries match on."""

from __future__ import annotations

import re
import unicodedata


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
