"""The button-data codec: every action survives the trip through Telegram's 64 bytes, and data we
did not make is no action at all."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.events import (
    BUTTON_DATA_LIMIT,
    Action,
    ChooseLanguage,
    Feedback,
    Menu,
    NoneOfThese,
    ShowLabel,
    ShowMore,
    encode,
    parse,
)
from bot.models import LANGUAGES

label_part = st.from_regex(r"[a-z0-9][a-z0-9-]{0,24}", fullmatch=True)
labels = st.one_of(label_part, st.builds(lambda a, b: f"{a}/{b}", label_part, label_part))
"""Topic ids, `contact`, `office-hours` and sub-answers ("topic/sub") as faq/ allows them."""

any_action: st.SearchStrategy[Action] = st.one_of(
    st.builds(ShowLabel, labels),
    st.builds(ShowMore, labels),
    st.builds(ChooseLanguage, st.sampled_from(LANGUAGES)),
    st.builds(Feedback, labels, st.booleans()),
    st.just(Menu()),
    st.just(NoneOfThese()),
)


@given(any_action)
def test_every_action_comes_back_from_its_button_data(action: Action) -> None:
    data = encode(action)
    assert len(data.encode("utf-8")) <= BUTTON_DATA_LIMIT
    assert parse(data) == action


@given(st.text(max_size=80))
def test_any_data_parses_to_an_action_or_none_and_never_raises(data: str) -> None:
    action = parse(data)
    if action is not None:
        assert parse(encode(action)) == action


@pytest.mark.parametrize(
    "data", ["", "t:", "l:fr", "l:", "f:measles", "f:measles:2", "f::1", "q:measles", "menu"]
)
def test_data_we_did_not_make_is_no_action(data: str) -> None:
    assert parse(data) is None


def test_an_action_too_long_for_telegram_is_refused_when_encoded() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        encode(ShowLabel("a" * 40 + "/" + "b" * 40))


@pytest.mark.parametrize(
    ("data", "action"),
    [
        ("t:measles", ShowLabel("measles")),
        ("t:office-hours", ShowLabel("office-hours")),
        ("l:uk", ChooseLanguage("uk")),
        ("f:registration:1", Feedback("registration", helpful=True)),
        ("f:registration:0", Feedback("registration", helpful=False)),
        ("m", Menu()),
        ("x", NoneOfThese()),
    ],
)
def test_buttons_sent_before_an_update_keep_working(data: str, action: Action) -> None:
    # Messages already in people's chats carry this data: the wire format only ever grows.
    assert parse(data) == action
