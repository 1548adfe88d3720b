"""What is kept of an unanswered question names nobody, and scrubbing it never freezes the bot."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from bot.store import MAX_INPUT_CHARS, MAX_STORED_CHARS, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Platz? Tel 0176 1234567, ivan@mail.ua", "Platz? Tel <phone>, <e-mail>"),
        ("мій номер +49 351 12345678", "мій номер <phone>"),
        ("see https://example.org/x?id=5 or www.test.de", "see <link> or <link>"),
        ("напишіть @olena_k", "напишіть <name>"),
        ("Sohn 3 Jahre, Aktenzeichen 12/345", "Sohn # Jahre, Aktenzeichen #/#"),
        ("  many \n\t  spaces  ", "many spaces"),
        ("Wie melde ich mein Kind für die Kita an?", "Wie melde ich mein Kind für die Kita an?"),
        (
            "Де знайти садочок у Дрездені? Сім'я з Києва",
            "Де знайти садочок у Дрездені? Сім'я з Києва",
        ),
    ],
)
def test_scrub_removes_what_could_identify_someone(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schreiben Sie mir: t.me/olena_kravets", "schreiben Sie mir: <link>"),
        ("T.ME/olena_kravets bitte", "<link> bitte"),
        ("мій канал telegram.me/olena", "мій канал <link>"),
        ("oder telegram.dog/olena", "oder <link>"),
        ("tg://resolve?domain=olena_kravets", "<link>"),
        ("Kontakt über t.me", "Kontakt über <link>"),
        ("@olena_kravets", "<name>"),
        ("@ olena_kravets", "<name>"),
        ("telegram: olena_kravets", "<name>"),
        ("instagram.com/olena.kravets", "<link>"),
        ("facebook.com/olena.kravets und so", "<link> und so"),
        ("olena＠gmail.com", "<e-mail>"),  # fullwidth @
        ("olena@gmail", "<e-mail>"),
        ("¹²³ ⁴⁵⁶ ⁷⁸⁹", "<phone>"),
        ("①②③④⑤⑥⑦⑧", "<phone>"),
    ],
)
def test_scrub_removes_telegram_links_and_handles(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_invisible_and_broken_characters_go() -> None:
    # A right-to-left override would turn the line around for staff; a lone surrogate made
    # SQLite refuse the row, and the counter with it.
    assert scrub("Kita\u202e Platz\u200b frei?") == "Kita Platz frei?"
    assert scrub("Kita \ud800 Platz") == "Kita Platz"
    assert scrub("Kita\x00\x07Platz") == "Kita Platz"


def test_a_long_message_is_cut_before_scrubbing_and_a_cut_address_goes_whole() -> None:
    question = "Kita " * 199 + "olena.kravets@example.org"  # the address straddles the cut
    kept = scrub(question)
    assert "olena" not in kept and "kravets" not in kept
    assert len(kept) <= MAX_STORED_CHARS
    assert scrub("a" * 100 + " b", max_input=50) == ""  # the one token was cut: nothing kept


WORST_CASES: dict[str, Callable[[int], str]] = {
    "letters then @": lambda n: "a" * n + "@",
    "letters @ letters": lambda n: "a" * (n // 2) + "@" + "b" * (n // 2),
    "digits": lambda n: "1" * n,
    "digits and spaces": lambda n: "1 " * (n // 2),
    "dots and dashes": lambda n: ".-" * (n // 2),
    "letter dot": lambda n: "a." * (n // 2) + "@",
    "at signs": lambda n: "@" * n,
    "a@": lambda n: "a@" * (n // 2),
    "t.me/": lambda n: "t.me/" * (n // 5),
    "schemes": lambda n: "http://" * (n // 7),
    "hosts": lambda n: "x.y" * (n // 3),
    "mixed": lambda n: "Kita-Platz.de/" * (n // 14),
}


@pytest.mark.parametrize("make", WORST_CASES.values(), ids=WORST_CASES.keys())
def test_scrubbing_a_huge_message_takes_no_time(make: Callable[[int], str]) -> None:
    # It took 31 s for 100,000 characters: the bot answered nobody meanwhile.
    started = time.perf_counter()
    scrub(make(100_000))
    assert time.perf_counter() - started < 0.5  # about 1 ms: the message is cut first


@pytest.mark.parametrize("make", WORST_CASES.values(), ids=WORST_CASES.keys())
def test_every_pattern_is_linear_even_without_the_cut(make: Callable[[int], str]) -> None:
    def seconds(n: int) -> float:
        sample = make(n)
        started = time.perf_counter()
        scrub(sample, max_input=n + 1)
        return time.perf_counter() - started

    whole = min(seconds(50_000) for _ in range(2))
    assert whole < 0.5  # 15-45 ms here; the quadratic pattern took 8 s at 32,768
    # Four times the input, at most about four times the time (quadratic would be sixteen).
    assert min(seconds(200_000) for _ in range(2)) < 8 * whole + 0.05


def test_what_is_read_of_a_message_is_bounded() -> None:
    assert MAX_STORED_CHARS < MAX_INPUT_CHARS <= 4 * MAX_STORED_CHARS
