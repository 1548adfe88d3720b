"""What crosses the fake Bot API's wire: a recorded call, a scripted failure, and the request
parameters decoded as the Bot API reads them."""

from __future__ import annotations

import html
import json
import random
import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

JSONDict = dict[str, Any]

_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "entities",
}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "message_thread_id"}
TAG = re.compile(r"<[^<>]*>")


@dataclass(frozen=True)
class Call:
    """One request the bot made."""

    method: str
    params: JSONDict
    status: int
    at: float
    delivered: bool = False
    """The method was carried out (a message reached the chat), whatever the answer said."""

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int) else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def plain(self) -> str:
        """The text as the user reads it (tags dropped, entities decoded)."""
        if self.params.get("parse_mode") == "HTML":
            return html.unescape(TAG.sub("", self.text))
        return self.text

    @property
    def buttons(self) -> list[JSONDict]:
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Failure:
    """A scripted failure for the next `times` calls of `method` (optionally for one chat)."""

    method: str
    status: int
    description: str
    times: int = 1
    retry_after: int | None = None
    chat_id: int | None = None
    drop_connection: bool = False
    delay: float = 0.0
    accepted: bool = False
    """Carry the method out first, then fail: the bot cannot know it was done."""


@dataclass
class Flaky:
    """Fail a share of the calls of some methods with 5xx, at random (seeded)."""

    methods: Collection[str]
    rate: float
    statuses: tuple[int, ...]
    in_a_row: int
    """No request (same method, chat and text) fails more often than this in a row."""
    random: random.Random
    streaks: Counter[tuple[object, ...]] = field(default_factory=Counter)
    injected: Counter[int] = field(default_factory=Counter)
    """How many failures of each status were sent."""

    def pick(self, method: str, params: JSONDict) -> int | None:
        """The status to fail this call with, or None to answer it."""
        if method not in self.methods:
            return None
        key = (method, params.get("chat_id"), params.get("text"), params.get("callback_query_id"))
        if self.random.random() >= self.rate or self.streaks[key] >= self.in_a_row:
            del self.streaks[key]
            return None
        self.streaks[key] += 1
        status = self.random.choice(self.statuses)
        self.injected[status] += 1
        return status


def scope_key(scope: object) -> str:
    """A command scope as a dict key; no scope is the default one."""
    if not scope or scope == {"type": "default"}:
        return "default"
    return json.dumps(scope, sort_keys=True)


def decode(query: str, body: bytes, content_type: str) -> JSONDict:
    """Parameters from the query string and a form or JSON body, with JSON fields decoded."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if body:
        if "json" in content_type:
            loaded = json.loads(body)
            pairs += [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in loaded.items()]
        else:
            pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    params: JSONDict = {}
    for name, value in pairs:
        if name in _JSON_FIELDS:
            params[name] = json.loads(value)
        elif name in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
            params[name] = int(value)
        elif value in ("true", "false"):
            params[name] = value == "true"
        else:
            params[name] = value
    return params
