"""Telegram HTML, the one format every reply is written in: escaping, the staff's markup, links,
splitting under the length limit, and turning it into plain text for the terminal and for
Telegram's plain-text fallback.

Telegram rejects texts over 4096 characters and the unit is disputed (code points or UTF-16), so
every chunk of `split` stays within the limit in both, measured on the HTML source, which is never
shorter than the text Telegram counts. Chunks end at a paragraph or line break when possible; a tag
that is open at a break is closed at the end of the chunk and reopened at the start of the next.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MESSAGE_LIMIT = 4000
"""Below Telegram's 4096 so that closing and reopening tags never push a chunk over."""

_ATOM = re.compile(r"<[^<>]*>|&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});|.", re.S)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([A-Za-z][\w-]*)")
_TAG = re.compile(r"<[^<>]*>")
_LINK = re.compile(r"<a\s+href=\"([^\"]*)\"\s*>(.*?)</a\s*>", re.S | re.I)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^\s*[-•]\s+")


# --- writing ------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Escape text for Telegram HTML (only <, > and & matter; quotes are harmless)."""
    return html.escape(text, quote=False)


def bold(text: str) -> str:
    """`text`, escaped, in bold."""
    return f"<b>{escape(text)}</b>"


def italic(text: str) -> str:
    """`text`, escaped, in italics."""
    return f"<i>{escape(text)}</i>"


def link(url: str, title: str) -> str:
    """An HTML link with escaped title and URL."""
    return f'<a href="{html.escape(url, quote=True)}">{escape(title)}</a>'


def from_staff(text: str) -> str:
    """Staff markup (**bold**, "- " bullets, blank-line paragraphs) as escaped Telegram HTML."""
    lines = []
    for line in text.strip().splitlines():
        line = escape(line.rstrip())
        line = _BULLET.sub("• ", line)
        lines.append(_BOLD.sub(r"<b>\1</b>", line))
    return "\n".join(lines)


# --- reading ------------------------------------------------------------------------------------


def _visible(text: str) -> str:
    """What Telegram shows of `text` (a link's address is not shown)."""
    return html.unescape(_TAG.sub("", text))


def to_text(text: str) -> str:
    """Plain text for a reader without HTML: tags dropped, entities decoded, and each link as
    "title (url)", so that the address is still there to copy."""

    def spelled_out(found: re.Match[str]) -> str:
        url, title = html.unescape(found.group(1)), _visible(found.group(2))
        return url if title.strip() in ("", url) else f"{title} ({url})"

    return _visible(_LINK.sub(spelled_out, text))


def text_length(text: str) -> int:
    """How many characters a reader sees of `text` in Telegram (link addresses are hidden)."""
    return len(_visible(text))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram's clients count it."""
    return len(text.encode("utf-16-le")) // 2


# --- splitting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Open:
    name: str
    tag: str
    """The opening tag exactly as written, e.g. `<a href="...">`, to reopen it."""


def _size(text: str) -> int:
    return max(len(text), utf16_len(text))


def _closing(stack: tuple[_Open, ...]) -> str:
    return "".join(f"</{item.name}>" for item in reversed(stack))


def _opening(stack: tuple[_Open, ...]) -> str:
    return "".join(item.tag for item in stack)


def _after(stack: tuple[_Open, ...], atom: str) -> tuple[_Open, ...]:
    """The stack of open tags after `atom`."""
    found = _TAG_NAME.match(atom) if atom.startswith("<") and len(atom) > 1 else None
    if found is None:
        return stack
    closing, name = found.group(1) == "/", found.group(2).lower()
    if not closing:
        return (*stack, _Open(name, atom))
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth].name == name:
            return stack[:depth]
    return stack


@dataclass(frozen=True)
class _Break:
    end: int
    """Index of the first atom after the break."""
    stack: tuple[_Open, ...]
    rank: int
    """2 after a blank line, 1 after a line end, 0 after a space, -1 anywhere else."""
    used: int


def split(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Chunks of `text`, each at most `limit` code points and UTF-16 units, tags balanced."""
    if _size(text) <= limit:
        return [text] if _visible(text).strip() else []
    atoms = _ATOM.findall(text)
    chunks: list[str] = []
    start, stack = 0, tuple[_Open, ...]()
    while start < len(atoms):
        cut = _next_break(atoms, start, stack, limit)
        body = "".join(atoms[start : cut.end]).rstrip()
        chunk = _opening(stack) + body + _closing(cut.stack)
        if _visible(chunk).strip():  # Telegram refuses a message with nothing to show
            chunks.append(chunk)
        start, stack = cut.end, cut.stack
        while start < len(atoms) and atoms[start] in ("\n", " "):
            start += 1
    return chunks


def _next_break(atoms: list[str], start: int, stack: tuple[_Open, ...], limit: int) -> _Break:
    """Where the chunk starting at `start` should end."""
    used = _size(_opening(stack))
    current = stack
    best: dict[int, _Break] = {}
    previous = ""
    for index in range(start, len(atoms)):
        atom = atoms[index]
        used += _size(atom)
        current = _after(current, atom)
        if used + _size(_closing(current)) > limit:
            break
        rank = -1
        if atom == "\n":
            rank = 2 if previous == "\n" else 1
        elif atom == " ":
            rank = 0
        best[rank] = _Break(index + 1, current, rank, used)
        previous = atom
    else:
        return _Break(len(atoms), current, 3, used)
    if not best:  # one atom over the limit (a huge tag): send it alone rather than loop forever
        return _Break(start + 1, _after(stack, atoms[start]), -1, used)
    # The best kind of break that still fills half a message; else the latest break of any kind.
    for rank in (2, 1, 0):
        found = best.get(rank)
        if found is not None and found.used >= limit // 2:
            return found
    return max(best.values(), key=lambda cut: cut.end)
