"""Who writes to the fake Bot API, and the updates they cause: messages, commands, mentions,
media, edits and button presses, shaped as the Bot API sends them."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fake_bot_api import Call

TEST_TOKEN = "123456789:AAFakeTokenForTestsOnly-abcdefghijklmn"
"""Shaped like a real token, so that the redaction pattern would also catch it."""
BOT_ID = 123456789
BOT_USERNAME = "KitaTestBot"

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class User:
    id: int
    first_name: str = "Olena"
    language_code: str | None = "uk"
    username: str | None = None

    def as_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class Chat:
    id: int
    type: str = "private"
    title: str | None = None

    def as_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        else:
            data["first_name"] = "Olena"
        return data


def private(user: User) -> Chat:
    return Chat(user.id)


GROUP = Chat(-1001234567890, "supergroup", "Eltern Kita Sonnenschein")
BOT_USER: JSONDict = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Kita Dresden",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class Updates:
    """The update builders of the fake server (a mixin: `push` and `remember_chat` are its)."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)

    def push(self, kind: str, payload: JSONDict) -> int:
        raise NotImplementedError

    def remember_chat(self, chat: Chat) -> None:
        raise NotImplementedError

    def chat_of(self, chat_id: int | None) -> Chat | None:
        raise NotImplementedError

    def message(self, user: User, chat: Chat | None = None, **fields: Any) -> JSONDict:
        """A message dict from `user` in `chat` (default: the private chat)."""
        chat = chat or private(user)
        self.remember_chat(chat)
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "from": user.as_dict(),
            **fields,
        }

    def send_text(self, user: User, text: str, chat: Chat | None = None, **fields: Any) -> int:
        """Queue a text message; returns its message id (to edit it later)."""
        message = self.message(user, chat, text=text, **fields)
        self.push("message", message)
        return int(message["message_id"])

    def send_command(self, user: User, command: str, chat: Chat | None = None) -> int:
        """`command` like "/start", "/start@KitaTestBot" or "/language uk"."""
        head = command.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": len(head)}
        return self.send_text(user, command, chat, entities=[entity])

    def mention(self, user: User, text: str, chat: Chat = GROUP) -> int:
        """A group message starting with @KitaTestBot."""
        full = f"@{BOT_USERNAME} {text}"
        entity = {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
        return self.send_text(user, full, chat, entities=[entity])

    def reply_to_bot(self, user: User, text: str, to: Call, chat: Chat = GROUP) -> int:
        """A group message replying to one of the bot's messages."""
        replied = self._bot_message(to, chat)
        return self.send_text(user, text, chat, reply_to_message=replied)

    def send_sticker(self, user: User) -> int:
        sticker = {
            "file_id": "sticker-1",
            "file_unique_id": "s1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.push("message", self.message(user, sticker=sticker))

    def send_photo(self, user: User, caption: str | None = None) -> int:
        fields: JSONDict = {
            "photo": [{"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}]
        }
        if caption:
            fields["caption"] = caption
        return self.push("message", self.message(user, None, **fields))

    def send_voice(self, user: User) -> int:
        voice = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}
        return self.push("message", self.message(user, voice=voice))

    def send_location(self, user: User) -> int:
        return self.push(
            "message", self.message(user, location={"latitude": 51.05, "longitude": 13.74})
        )

    def edit_text(self, user: User, message_id: int, text: str, chat: Chat | None = None) -> int:
        """An edited_message update for an earlier message."""
        payload = self.message(user, chat, text=text, edit_date=int(time.time()))
        payload["message_id"] = message_id
        return self.push("edited_message", payload)

    def press(self, user: User, data: str, on: Call | None = None) -> int:
        """A callback query for a button with `data` on the bot's message `on`."""
        chat = private(user)
        query: JSONDict = {
            "id": f"q{next(self._ids)}",
            "from": user.as_dict(),
            "chat_instance": "ci-1",
            "data": data,
        }
        if on is not None:
            query["message"] = self._bot_message(on, self.chat_of(on.chat_id) or chat)
        else:
            query["message"] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": chat.as_dict(),
                "from": BOT_USER,
                "text": "…",
            }
        return self.push("callback_query", query)

    def _bot_message(self, call: Call, chat: Chat) -> JSONDict:
        result = call.params.get("_result")
        message_id = result["message_id"] if isinstance(result, dict) else 1
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.as_dict(),
            "from": BOT_USER,
            "text": call.plain or "…",
        }
