"""Text as the intent rules and the statistical model see it: one normal form, one tokenizer.

Both read the same normalized text so that a phrase a rule quotes as evidence is the phrase
the model weighed. Normalization is cheap on purpose (classification runs at ingest, thousands
of messages a second): Unicode compatibility folding only for non-ASCII text, lower case,
typographic quotes and dashes to ASCII, and runs of whitespace to one space.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_CLASSIFIED_CHARS", "normalize", "tokens"]

# Text past this length is not classified: a request for a password sits in the first lines,
# and a pasted log file must not cost more than a message.
MAX_CLASSIFIED_CHARS = 4000

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u200b": "",  # zero-width characters split words to dodge filters
        "\u200c": "",
        "\u200d": "",
        "\u2060": "",
        "\ufeff": "",
        "\ufffd": " ",  # replacement character left by broken encodings
    }
)
_SPACE = re.compile(r"\s+")
# The token pattern of scikit-learn's vectorizers (two or more word characters), so a model
# trained there and scored here sees the same tokens.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def normalize(text: str) -> str:
    """Lower case, compatibility-folded, single-spaced text, cut at MAX_CLASSIFIED_CHARS."""
    if len(text) > MAX_CLASSIFIED_CHARS:
        text = text[:MAX_CLASSIFIED_CHARS]
    if not text.isascii():
        # NFKC turns full-width letters, ligatures and styled math letters into plain ones,
        # which lures use to slip past word lists.
        text = unicodedata.normalize("NFKC", text.translate(_FOLD))
    return _SPACE.sub(" ", text.lower()).strip()


def tokens(normalized: str) -> list[str]:
    """Word tokens of normalized text, in order."""
    return _TOKEN.findall(normalized)
