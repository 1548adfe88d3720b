"""Removing what could identify someone from a question kept for staff.

Every pattern here runs in time linear in its input, whatever the input: no pattern nests
quantifiers, and each pattern that begins with a repeated class may only start where a token
starts (a lookbehind), so that a failed attempt is never retried from every position inside a
long run of letters or digits (the old e-mail pattern took 31 s for 100,000 characters). On top of
that the input is cut to `MAX_INPUT_CHARS` before any pattern sees it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_STORED_CHARS: Final = 500
"""The longest text kept."""
MAX_INPUT_CHARS: Final = 1000
"""What is read of a message; the matcher reads less, and a longer text is not a question."""

_TOKEN_START = r"(?<![\w.+\-@/:])"
"""Only where a token starts: not inside a word, an address or a link."""

_EMAIL = re.compile(_TOKEN_START + r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*")
"""Also `name@gmail` without a top-level domain: rare in a question, and it names a person."""
_SCHEME_LINK = re.compile(_TOKEN_START + r"[a-z][a-z0-9+.\-]{0,15}://\S*", re.IGNORECASE)
"""https://, tg://resolve?domain=..., ftp:// ..."""
_WWW_LINK = re.compile(_TOKEN_START + r"www\.\S+", re.IGNORECASE)
_PATH_LINK = re.compile(_TOKEN_START + r"[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,24}/\S*", re.IGNORECASE)
"""A host with a path and no scheme: t.me/name, telegram.me/name, instagram.com/name."""
_TELEGRAM_HOST = re.compile(_TOKEN_START + r"(?:t|telegram)\.(?:me|dog)\b\S*", re.IGNORECASE)
"""Telegram's own short links, even without a path after them."""
_HANDLE = re.compile(r"(?<!\w)@ ?\w[\w.]{2,}")
"""@name, and "@ name" written to dodge a filter."""
_CONTACT = re.compile(
    r"\b(?:telegram|tg|instagram|insta|facebook|fb|viber|whatsapp|signal|skype)\s?:\s?\S+",
    re.IGNORECASE,
)
"""`telegram: olena_k`: the name after a messenger's name."""
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s()/.\-]{5,}\d")
_DIGITS = re.compile(r"\d+")

_REPLACEMENTS: Final = (
    (_EMAIL, "<e-mail>"),
    (_SCHEME_LINK, "<link>"),
    (_WWW_LINK, "<link>"),
    (_PATH_LINK, "<link>"),
    (_TELEGRAM_HOST, "<link>"),
    (_HANDLE, "<name>"),
    (_CONTACT, "<name>"),
    (_PHONE, "<phone>"),
    (_DIGITS, "#"),
)
"""In this order: an address or link first, so that its digits and @ go with it."""


def scrub(text: str, *, max_input: int = MAX_INPUT_CHARS) -> str:
    """The text without e-mails, links, @names, phone numbers and digits; at most 500 characters."""
    cut = text[:max_input]
    # NFKC turns fullwidth ＠ and digits, superscripts and circled numbers into what the patterns
    # know. Control characters become spaces; invisible format characters (a right-to-left
    # override turns a line around for staff) and lone surrogates (SQLite refuses them) go.
    cut = unicodedata.normalize("NFKC", cut)
    ascii_only = cut.isascii()  # most messages: one C call instead of a loop in Python
    cut = cut.translate(_ASCII_CONTROLS) if ascii_only else "".join(map(_visible, cut))
    words = cut.split()
    if len(text) > max_input and words:
        # A token cut in two could leave half an address that no pattern recognises: drop it.
        words.pop()
    cut = " ".join(words)
    for pattern, replacement in _REPLACEMENTS:
        cut = pattern.sub(replacement, cut)
    return " ".join(cut.split())[:MAX_STORED_CHARS]


_ASCII_CONTROLS: Final = {code: " " for code in (*range(0x20), 0x7F)}


def _visible(ch: str) -> str:
    category = unicodedata.category(ch)
    return " " if category == "Cc" else "" if category in ("Cf", "Cs") else ch
