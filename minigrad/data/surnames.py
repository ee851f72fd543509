"""US surnames, shipped with the package (no download): a small corpus for character-level language models.

`surnames.txt`, next to this file, holds the 32,000 most common surnames of the
1990 US Census, one a line, in lower case, most common first; provenance and
licence (public domain) in SURNAMES_LICENSE.txt.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["load_surnames"]

SURNAMES_PATH = Path(__file__).with_name("surnames.txt")


def load_surnames() -> list[str]:
    """The 32,000 most common surnames of the 1990 US Census, most common first.

    Each is a string of the lower-case letters a-z ("smith", "johnson", ...), 2 to
    13 letters long, no two alike. A character-level language model learns to spell
    them: joined with line breaks, they make a text of 242,124 characters over an
    alphabet of 27 (26 letters and "\\n", which marks where a name ends).
    """
    return SURNAMES_PATH.read_text(encoding="ascii").split()
