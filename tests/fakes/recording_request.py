"""A PTB BaseRequest that answers the Bot API in-process and records every call.

The seam PTB's own tests use: handlers run through Application.process_update and what the
bot "sent" is read from `calls`, with no server and no network.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 424242
BOT_USERNAME = "vin_test_bot"


@dataclass
class RecordedCall:
    """One Bot API method call with its decoded parameters."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]


def bot_user() -> dict[str, Any]:
    """The bot's own User object, as getMe returns it."""
    return {
        "id": BOT_ID,
        "is_bot": True,
        "first_name": "VIN bot",
        "username": BOT_USERNAME,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
    }


class RecordingRequest(BaseRequest):
    """Answers every method with a plausible Bot API result and records the call."""

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self.failures: dict[str, str] = {}  # method -> "Bad Request: ..." description
        self.html_failure: str | None = None  # refuse every parse_mode=HTML call with this
        self.file_bytes = b"\x89PNG fake image bytes"
        self._message_ids = itertools.count(1000)
        self.latency = 0.0  # seconds each call takes, as a round trip to Telegram would

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of every call of one method, in order."""
        return [c.params for c in self.calls if c.method == method]

    def files(self, method: str) -> list[dict[str, bytes]]:
        """Uploaded files of every call of one method, in order."""
        return [c.files for c in self.calls if c.method == method]

    def texts(self) -> list[str]:
        """Every text the bot sent or edited to, in order."""
        return [
            str(c.params.get("text", ""))
            for c in self.calls
            if c.method in {"sendMessage", "editMessageText"}
        ]

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 1))
        message: dict[str, Any] = {
            "message_id": params.get("message_id") or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": bot_user(),
            "text": params.get("text", ""),
        }
        if "reply_markup" in params:
            markup = params["reply_markup"]
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        return message

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return bot_user()
        if method in {
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
            "sendPhoto",
            "sendDocument",
        }:
            return self._message(params)
        if method in {"getMyCommands", "getUpdates"}:
            return []
        if method == "getFile":
            file_id = str(params.get("file_id", "f"))
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(self.file_bytes),
                "file_path": f"photos/{file_id}.jpg",
            }
        return True

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self.latency:
            await asyncio.sleep(self.latency)
        if "/file/bot" in url:
            self.calls.append(RecordedCall("download", {"path": url.rsplit("/", 1)[-1]}, {}))
            return 200, self.file_bytes
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        files: dict[str, bytes] = {}
        if request_data is not None and request_data.multipart_data:
            files = {name: part[1] for name, part in request_data.multipart_data.items()}
        self.calls.append(RecordedCall(api_method, params, files))
        refusal = self.failures.get(api_method)
        if refusal is None and params.get("parse_mode") == "HTML":
            refusal = self.html_failure
        if refusal is not None:
            error = {"ok": False, "error_code": 400, "description": refusal}
            return 400, json.dumps(error).encode()
        body = {"ok": True, "result": self._result(api_method, params)}
        return 200, json.dumps(body).encode()
