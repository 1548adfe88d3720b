"""Telegram HTML: escaped and marked up as staff write it, read back as plain text with its links,
and long answers split into Telegram-sized messages within the limit, at line ends, tags intact."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.markup import (
    MESSAGE_LIMIT,
    bold,
    escape,
    from_staff,
    italic,
    link,
    split,
    text_length,
    to_text,
    utf16_len,
)

TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")


def balanced(chunk: str) -> bool:
    stack: list[str] = []
    for closing, name in TAG.findall(chunk):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


LINK_URL = "https://x.de/?a=1&b=2"
"""The address of the links the property test below generates, as plain text spells it."""


def words(text: str) -> list[str]:
    """The words a reader sees in Telegram, where a link shows only its title."""
    return to_text(text).replace(f"({LINK_URL})", " ").replace(LINK_URL, " ").split()


def test_short_text_is_one_message() -> None:
    assert split("<b>Kita</b> &amp; Hort") == ["<b>Kita</b> &amp; Hort"]


def test_empty_text_sends_nothing() -> None:
    assert split("") == []
    assert split("  \n ") == []


def test_9000_character_answer_becomes_at_least_three_messages_at_line_ends() -> None:
    paragraphs = [
        f"<b>Schritt {n}</b>\n" + " ".join(["Anmeldung &amp; Platz"] * 20) for n in range(60)
    ]
    text = "\n\n".join(paragraphs)
    assert len(text) > 9000
    chunks = split(text)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert len(chunk) <= MESSAGE_LIMIT and utf16_len(chunk) <= MESSAGE_LIMIT
        assert balanced(chunk)
        assert chunk.endswith("Platz")  # never in the middle of a line
    assert words("\n".join(chunks)) == words(text)


def test_a_tag_open_at_the_break_is_closed_and_reopened() -> None:
    text = '<b><a href="https://www.dresden.de/kita">' + "Kita " * 1500 + "</a></b>"
    chunks = split(text)
    assert len(chunks) >= 2
    for chunk in chunks:
        assert chunk.startswith('<b><a href="https://www.dresden.de/kita">')
        assert chunk.endswith("</a></b>")
        assert len(chunk) <= MESSAGE_LIMIT


def test_emoji_count_twice_in_utf16() -> None:
    text = "\n".join(["👪 Familie 🏫 Kita"] * 400)
    chunks = split(text)
    assert len(chunks) >= 2
    assert all(utf16_len(chunk) <= MESSAGE_LIMIT for chunk in chunks)
    assert words("\n".join(chunks)) == words(text)


def test_entities_are_never_cut() -> None:
    text = "&amp;" * 2000
    chunks = split(text)
    assert all(re.fullmatch(r"(&amp;)+", chunk) for chunk in chunks)
    assert sum(chunk.count("&amp;") for chunk in chunks) == 2000


def test_a_line_without_spaces_is_cut_hard() -> None:
    chunks = split("x" * 9000)
    assert [len(chunk) for chunk in chunks] == [4000, 4000, 1000]


def test_plain_text_drops_tags_and_decodes_entities() -> None:
    assert to_text("<b>Öffnungszeiten</b> &lt;Mo&gt; &amp; <i>Di</i>") == "Öffnungszeiten <Mo> & Di"


def test_plain_text_keeps_the_address_of_every_link() -> None:
    text = (
        '🔗 <a href="https://www.dresden.de/kita?a=1&amp;b=2">Kita-Portal <b>Dresden</b></a>\n'
        '🌐 <a href="https://www.dresden.de">https://www.dresden.de</a> '
        '<a href="https://example.org/empty"></a>'
    )
    assert to_text(text) == (
        "🔗 Kita-Portal Dresden (https://www.dresden.de/kita?a=1&b=2)\n"
        "🌐 https://www.dresden.de https://example.org/empty"
    )


def test_content_is_escaped_once_and_staff_markup_becomes_html() -> None:
    assert escape('<Kita> & "Hort"') == '&lt;Kita&gt; &amp; "Hort"'
    assert bold("A & B") == "<b>A &amp; B</b>"
    assert italic("<i>") == "<i>&lt;i&gt;</i>"
    assert link('https://x.de/?a=1&b="2"', "Kita & Hort") == (
        '<a href="https://x.de/?a=1&amp;b=&quot;2&quot;">Kita &amp; Hort</a>'
    )
    staff = "Zuerst **anmelden** <online>:\n- Formular\n• Nachweis & Pass\n\nDann warten.  "
    assert from_staff(staff) == (
        "Zuerst <b>anmelden</b> &lt;online&gt;:\n• Formular\n• Nachweis &amp; Pass\n\nDann warten."
    )


def test_text_length_counts_what_a_reader_sees() -> None:
    assert text_length('<b>Kita</b> &amp; <a href="https://www.dresden.de/kita">Hort</a>') == 11


segment = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="<>&"), max_size=80),
    st.sampled_from(["\n", "\n\n", " ", "&amp;", "&lt;", "👪", "й"]),
    st.builds(lambda s: f"<b>{s}</b>", st.text(alphabet="abc й👪\n", max_size=200)),
    st.builds(
        lambda s: f'<a href="https://x.de/?a=1&amp;b=2">{s}</a>',
        st.text(max_size=50).map(lambda s: s.replace("<", "").replace(">", "").replace("&", "")),
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(segment, max_size=300), st.integers(min_value=60, max_value=500))
def test_any_html_splits_within_the_limit_and_keeps_every_word(
    parts: list[str], limit: int
) -> None:
    text = "".join(parts)
    chunks = split(text, limit)
    for chunk in chunks:
        assert len(chunk) <= limit and utf16_len(chunk) <= limit
        assert balanced(chunk)
        assert words(chunk)  # nothing to show: Telegram would refuse the message
    # A hard cut may split a word; a split link carries its address in each of its chunks.
    assert "".join(word for chunk in chunks for word in words(chunk)) == "".join(words(text))
