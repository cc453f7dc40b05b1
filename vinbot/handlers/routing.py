"""How feature modules plug in: commands for people's messages, and the button router.

Each feature module has `register(application, buttons)` adding its commands and its button
routes; `handlers/registry.py` calls them in order. A press is verified (signed data, the VIN,
the owner of a personal button) here, once, before the feature's route runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Message
from telegram.ext import CommandHandler, filters

from vinbot.formatters import account, messages, title_check
from vinbot.handlers.addressing import is_private
from vinbot.handlers.identity import press_key, presser_of
from vinbot.handlers.language import words_for
from vinbot.models.callback import CallbackAction
from vinbot.models.vin import analyse

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine
    from typing import Any

    from telegram import CallbackQuery, Update

    from vinbot.handlers.context import BotContext
    from vinbot.i18n import Words
    from vinbot.models.callback import Callback

# Messages and their edits; channel posts are not for this bot.
USER_MESSAGES = filters.UpdateType.MESSAGES

type CommandCallback = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
type VinRoute = Callable[[CallbackQuery, BotContext, Message, Callback, str], Awaitable[None]]
type Route = Callable[[CallbackQuery, BotContext, Callback], Awaitable[None]]


def user_command(name: str, callback: CommandCallback) -> CommandHandler[BotContext, None]:
    """A command people send in messages (or edits), never in channel posts."""
    return CommandHandler(name, callback, filters=USER_MESSAGES)


async def expired(query: CallbackQuery, words: Words) -> None:
    """Answer a press whose button can no longer work."""
    await query.answer(messages.button_expired(words))


class ButtonRouter:
    """Routes a verified press to the route its feature registered for the action."""

    def __init__(self) -> None:
        self._vin_routes: dict[CallbackAction, VinRoute] = {}
        self._routes: dict[CallbackAction, Route] = {}

    def on_vin(self, action: CallbackAction, route: VinRoute) -> None:
        """A button whose payload starts with a VIN, checked before the route runs."""
        self._claim(action)
        self._vin_routes[action] = route

    def on(self, action: CallbackAction, route: Route) -> None:
        """A button with a payload of its own."""
        self._claim(action)
        self._routes[action] = route

    def _claim(self, action: CallbackAction) -> None:
        if action in self._vin_routes or action in self._routes:
            raise ValueError(f"two routes for the button action {action.name}")

    async def on_callback(self, update: Update, context: BotContext) -> None:
        """Route a button press once (a second tap while the first is handled only stops its
        spinner); anything forged, stale or foreign gets "this button has expired", and someone
        else's personal button (history, garage, settings, /forget) is refused."""
        query = update.callback_query
        if query is None:
            return
        async with context.services.presses.claim(press_key(query)) as first:
            if first:
                await self._route_press(query, context, await words_for(update, context))
            else:
                await query.answer()

    async def _route_press(self, query: CallbackQuery, context: BotContext, words: Words) -> None:
        callback = context.services.callbacks.decode(query.data)
        message = query.message
        if callback is None or not isinstance(message, Message):
            await expired(query, words)
            return
        if callback.personal and not await _pressed_by_owner(query, message, callback, words):
            return
        vin_route = self._vin_routes.get(callback.action)
        if vin_route is not None:
            vin = callback.parts[0] if callback.parts else ""
            if not analyse(vin).valid:
                await expired(query, words)
                return
            await vin_route(query, context, message, callback, vin)
            return
        route = self._routes.get(callback.action)
        if route is None:
            await expired(query, words)
            return
        await route(query, context, callback)


async def _pressed_by_owner(
    query: CallbackQuery, message: Message, callback: Callback, words: Words
) -> bool:
    """Whether the presser may use a personal button; refuses with an alert when not.

    A personal button made before owners were recorded is trusted only in a private chat,
    where the presser is the only person who could have asked for it. The alerts are the
    account and title-check formatters' English, looked up in the presser's catalog.
    """
    owner = callback.owner
    if owner is None and not is_private(message):
        await query.answer(account.personal_button_expired(words), show_alert=True)
        return False
    if owner is not None and owner != presser_of(query).key:
        alert = (
            title_check.NOT_YOUR_CHECK
            if callback.action is CallbackAction.TITLE_CONFIRM
            else account.NOT_YOUR_BUTTON
        )
        await query.answer(words.t(alert), show_alert=True)
        return False
    return True
