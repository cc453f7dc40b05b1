"""What the fake Telegram remembers: chats and their messages, files, pending updates, records."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram.builders import JsonDict, update_chat_id, update_type

# getUpdates delivers every kind except these unless allowed_updates names them.
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Calls that count as the bot answering in a chat when timing updates.
REPLY_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)


class ApiError(Exception):
    """A Bot API failure answered as {"ok": false, ...} with the given HTTP status."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JsonDict:
        """Render the error the way api.telegram.org does."""
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """Build a 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class UploadedFile:
    """A file the bot attached to a multipart request."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One Bot API call as the fake received it, with the answer it gave."""

    index: int
    method: str
    params: JsonDict
    files: dict[str, UploadedFile]
    at: float
    status: int | None = None
    response: Any = None

    @property
    def time(self) -> float:
        """When the request arrived (time.perf_counter()); the same as `at`."""
        return self.at

    @property
    def chat_id(self) -> int | str | None:
        """The chat_id parameter, as an int when it is numeric."""
        value = self.params.get("chat_id")
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        return value if isinstance(value, int | str) else None

    @property
    def ok(self) -> bool:
        """Whether the fake answered this call with ok=true."""
        return self.status == 200

    def summary(self) -> str:
        """A short line for assertion messages."""
        interesting = {
            key: self.params[key]
            for key in ("chat_id", "message_id", "text", "caption", "callback_query_id", "offset")
            if key in self.params
        }
        shown = ", ".join(f"{key}={value!r:.60}" for key, value in interesting.items())
        return f"{self.method}({shown}) -> {self.status}"

    def to_json(self) -> JsonDict:
        """Serialise for the control API; file contents become sizes."""
        return {
            "index": self.index,
            "method": self.method,
            "params": self.params,
            "files": {
                name: {"filename": file.filename, "size": len(file.data)}
                for name, file in self.files.items()
            },
            "at": self.at,
            "status": self.status,
            "response": self.response,
        }


@dataclass
class Failure:
    """An injected failure for one method, optionally for one chat, a number of times or forever."""

    method: str
    status: int
    description: str
    parameters: JsonDict | None
    times: int | None
    chat_id: int | str | None = None

    def matches(self, method: str, chat_id: int | str | None) -> bool:
        """Whether this failure applies to a call."""
        if self.method not in {method, "*"}:
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass
class StoredFile:
    """Bytes the fake can describe with getFile and serve under /file/bot<token>/."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


@dataclass
class ChatState:
    """One chat: its Chat object, the next message id and every message still in it."""

    chat: JsonDict
    next_message_id: int = 1
    messages: dict[int, JsonDict] = field(default_factory=dict)

    def allocate_message_id(self) -> int:
        """Take the next message id; users and the bot share one sequence per chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class UpdateTiming:
    """When an update was offered, first handed to the bot, and first answered in its chat."""

    update_id: int
    kind: str
    chat_id: int | None
    offered_at: float
    delivered_at: float | None = None
    replied_at: float | None = None

    @property
    def latency(self) -> float | None:
        """Seconds from offer to the first reply, if there was one."""
        return None if self.replied_at is None else self.replied_at - self.offered_at

    def to_json(self) -> JsonDict:
        """Serialise for the control API."""
        return {
            "update_id": self.update_id,
            "kind": self.kind,
            "chat_id": self.chat_id,
            "offered_at": self.offered_at,
            "delivered_at": self.delivered_at,
            "replied_at": self.replied_at,
            "latency": self.latency,
        }


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the bot's webhook: the HTTP status, or why there was none."""

    update_id: int
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether Telegram would count it delivered (any 2xx) and forget the update."""
        return self.status is not None and 200 <= self.status < 300

    def to_json(self) -> JsonDict:
        """Serialise for the control API."""
        return {"update_id": self.update_id, "status": self.status, "error": self.error}


@dataclass
class Reply:
    """A message-producing call the bot made, timed on arrival."""

    method: str
    chat_id: int | str | None
    at: float


class Signal:
    """A level-triggered wake-up for coroutines waiting on the fake's state to change."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake every current waiter."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        """Wait for the next fire; False on timeout."""
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass
class UpdateQueue:
    """Updates offered to the bot and not yet confirmed with a getUpdates offset."""

    next_update_id: int = 100_000
    pending: list[JsonDict] = field(default_factory=list)
    allowed: frozenset[str] | None = None
    timings: dict[int, UpdateTiming] = field(default_factory=dict)
    dropped: list[JsonDict] = field(default_factory=list)
    changed: Signal = field(default_factory=Signal)
    unanswered: dict[int, deque[int]] = field(default_factory=dict)

    def offer(self, body: JsonDict) -> int:
        """Assign the next update_id and queue the update unless allowed_updates filters it out."""
        update_id = self.next_update_id
        self.next_update_id += 1
        update = {"update_id": update_id, **body}
        kind = update_type(update)
        self.timings[update_id] = UpdateTiming(
            update_id, kind, update_chat_id(update), time.perf_counter()
        )
        chat_id = self.timings[update_id].chat_id
        if chat_id is not None:
            self.unanswered.setdefault(chat_id, deque()).append(update_id)
        if self.is_allowed(kind):
            self.pending.append(update)
            self.changed.fire()
        else:
            self.dropped.append(update)
        return update_id

    def is_allowed(self, kind: str) -> bool:
        """Apply the allowed_updates setting the bot last sent."""
        if self.allowed:
            return kind in self.allowed
        return kind not in NOT_DELIVERED_BY_DEFAULT

    def confirm(self, offset: int) -> None:
        """Forget updates below a positive offset; keep only the last -offset for a negative one."""
        if offset > 0:
            self.pending = [update for update in self.pending if update["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def take(self, limit: int) -> list[JsonDict]:
        """Return up to limit pending updates, stamping first delivery times."""
        batch = self.pending[:limit]
        now = time.perf_counter()
        for update in batch:
            timing = self.timings.get(update["update_id"])
            if timing is not None and timing.delivered_at is None:
                timing.delivered_at = now
        return batch

    def forget(self, update_id: int) -> None:
        """Drop one delivered update (a webhook answered it with 2xx)."""
        self.pending = [update for update in self.pending if update["update_id"] != update_id]

    def drop_pending(self) -> None:
        """Forget every pending update (deleteWebhook/setWebhook with drop_pending_updates)."""
        self.dropped.extend(self.pending)
        self.pending = []

    def note_reply(self, chat_id: int, at: float) -> None:
        """Pair a reply in a chat with the oldest unanswered update offered there before it."""
        waiting = self.unanswered.get(chat_id)
        if not waiting:
            return
        timing = self.timings[waiting[0]]
        if timing.offered_at <= at:
            waiting.popleft()
            timing.replied_at = at
