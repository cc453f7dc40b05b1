"""A small JSON control API under /_control/ so another process (the benchmark) drives the fake."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.telegram.builders import JsonDict
    from tests.fakes.telegram.server import FakeTelegram


def _int_or_none(value: str | None) -> int | None:
    return None if value in {None, ""} else int(str(value))


def offer_spec(tg: FakeTelegram, spec: JsonDict) -> int:
    """Turn one update description from the control API into an injected update."""
    kind = spec.get("kind", "text")
    if kind == "raw":
        return tg.add_update(spec["update"])
    user_id = int(spec["user_id"])
    language_code = spec.get("language_code")
    if language_code is not None and tg.api.users.get(user_id, {}).get("language_code") != (
        language_code
    ):
        tg.add_user(user_id, language_code=str(language_code) or None)
    if kind == "text":
        return tg.send_text(
            user_id,
            str(spec["text"]),
            chat_id=spec.get("chat_id"),
            chat_type=spec.get("chat_type", "private"),
            reply_to_bot=bool(spec.get("reply_to_bot", False)),
            mention_bot=bool(spec.get("mention_bot", False)),
        )
    if kind == "button":
        chat_id = int(spec.get("chat_id", user_id))
        message = {"chat": {"id": chat_id}, "message_id": int(spec["message_id"])}
        return tg.press_button(user_id, message, str(spec["data"]))
    if kind == "photo":
        data = base64.b64decode(spec["data_base64"]) if "data_base64" in spec else None
        if data is None:
            return tg.send_photo(user_id, spec.get("caption"), chat_id=spec.get("chat_id"))
        return tg.send_photo(user_id, spec.get("caption"), data=data, chat_id=spec.get("chat_id"))
    if kind == "inline_query":
        return tg.inline_query(user_id, str(spec.get("query", "")))
    raise ValueError(f"unknown update kind {kind!r}")


def add_control_routes(app: web.Application, tg: FakeTelegram) -> None:
    """Register the /_control/ endpoints for one FakeTelegram."""

    async def health(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "pending_updates": len(tg.api.updates.pending),
                "polling": tg.is_polling,
                "requests": len(tg.requests),
            }
        )

    async def offer_updates(request: web.Request) -> web.Response:
        body: Any = await request.json()
        specs = body.get("updates", []) if isinstance(body, dict) else body
        try:
            update_ids = [offer_spec(tg, spec) for spec in specs]
        except (KeyError, ValueError, TypeError, AssertionError) as error:
            return web.json_response({"ok": False, "error": str(error)}, status=400)
        return web.json_response({"ok": True, "update_ids": update_ids})

    async def requests(request: web.Request) -> web.Response:
        method = request.query.get("method")
        since = _int_or_none(request.query.get("since")) or 0
        records = [r.to_json() for r in tg.requests[since:] if method in {None, r.method}]
        return web.json_response({"requests": records, "next": len(tg.requests)})

    async def messages(request: web.Request) -> web.Response:
        chat_id = _int_or_none(request.query.get("chat_id"))
        return web.json_response({"messages": tg.sent_messages(chat_id)})

    async def timings(request: web.Request) -> web.Response:
        return web.json_response({"timings": [t.to_json() for t in tg.timings()]})

    async def add_failure(request: web.Request) -> web.Response:
        body = await request.json()
        tg.fail_next(
            body["method"],
            int(body.get("status", 429)),
            int(body.get("retry_after", 1)),
            body.get("times", 1),
            description=body.get("description"),
            chat_id=body.get("chat_id"),
        )
        return web.json_response({"ok": True})

    async def clear_failures(request: web.Request) -> web.Response:
        tg.clear_failures(request.query.get("method"))
        return web.json_response({"ok": True})

    async def add_file(request: web.Request) -> web.Response:
        body = await request.json()
        file_id = tg.add_file(
            body["file_id"], base64.b64decode(body["data_base64"]), file_path=body.get("file_path")
        )
        return web.json_response({"ok": True, "file_id": file_id})

    async def block(request: web.Request) -> web.Response:
        tg.block_chat(int((await request.json())["chat_id"]))
        return web.json_response({"ok": True})

    async def unblock(request: web.Request) -> web.Response:
        tg.unblock_chat(int(request.query["chat_id"]))
        return web.json_response({"ok": True})

    async def reset(request: web.Request) -> web.Response:
        tg.clear_records()
        return web.json_response({"ok": True})

    async def webhook_route(request: web.Request) -> web.Response:
        body = await request.json()
        tg.route_webhook(str(body["public"]), *[str(origin) for origin in body["local"]])
        return web.json_response({"ok": True})

    async def webhook_deliver(request: web.Request) -> web.Response:
        delivered = await tg.deliver_webhook()
        return web.json_response({"ok": True, "deliveries": [d.to_json() for d in delivered]})

    async def webhook_auto(request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        tg.start_webhook_delivery(
            float(body.get("retry_seconds", 0.2)), int(body.get("connections", 1))
        )
        return web.json_response({"ok": True})

    app.router.add_post("/_control/webhook/route", webhook_route)
    app.router.add_post("/_control/webhook/deliver", webhook_deliver)
    app.router.add_post("/_control/webhook/auto", webhook_auto)
    app.router.add_get("/_control/health", health)
    app.router.add_post("/_control/updates", offer_updates)
    app.router.add_get("/_control/requests", requests)
    app.router.add_get("/_control/messages", messages)
    app.router.add_get("/_control/timings", timings)
    app.router.add_post("/_control/failures", add_failure)
    app.router.add_delete("/_control/failures", clear_failures)
    app.router.add_post("/_control/files", add_file)
    app.router.add_post("/_control/blocked", block)
    app.router.add_delete("/_control/blocked", unblock)
    app.router.add_post("/_control/reset", reset)
