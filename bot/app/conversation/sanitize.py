"""Comment text made safe to quote in a prompt or a comment.

HTML comments are invisible on GitHub but reach the API (a place to hide
instructions for a model); zero-width, bidirectional and other format
characters can hide or reorder text. Both go, and so do control characters
other than newline and tab.
"""

from __future__ import annotations

import re
import unicodedata

MAX_COMMENT_CHARS = 2000
HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
KEPT_CONTROLS = {"\n", "\t"}


def _visible(char: str) -> bool:
    category = unicodedata.category(char)
    if char in KEPT_CONTROLS:
        return True
    # Cc: controls; Cf: format (zero-width, bidi overrides, BOM); Co/Cs/Cn: private or none.
    return category not in ("Cc", "Cf", "Co", "Cs", "Cn")


def sanitize_comment(text: str, *, limit: int = MAX_COMMENT_CHARS) -> str:
    """The text a person can see: no HTML comments, no invisible characters, bounded."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = HTML_COMMENT.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if _visible(char))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return text.strip()[:limit]
