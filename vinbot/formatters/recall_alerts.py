"""The message announcing a new recall campaign for a car in the user's garage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.account import vehicle_title
from vinbot.formatters.html import clip, esc, fit
from vinbot.i18n import words_in  # TODO(i14): the reader\'s words
from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.recalls import Recall
    from vinbot.services.recall_alerts import RecallAlert

SUMMARY_LIMIT = 400
UNKNOWN_VEHICLE = "Unknown vehicle"


def _car(alert: RecallAlert) -> str:
    if alert.nickname:
        return alert.nickname
    title = vehicle_title(words_in("en"), alert.year, alert.make, alert.model)
    return "car" if title == UNKNOWN_VEHICLE else title


def _urgent(recall: Recall) -> list[str]:
    flags = []
    if recall.do_not_drive:
        flags.append("⛔ <b>DO NOT DRIVE</b> until repaired")
    if recall.park_outside:
        flags.append("🔥 <b>Park outside</b>, away from buildings")
    if recall.remedy_available is False:
        flags.append("⏳ No remedy yet")
    return flags


def render_recall_alert(alert: RecallAlert) -> str:
    """'🔔 New recall for your <car>': component, campaign and date, urgent flags, summary."""
    recall = alert.recall
    meta = [f"campaign {esc(recall.campaign_id)}"]
    if recall.date is not None:
        meta.append(recall.date.isoformat())
    lines = [
        (
            f"🔔 <b>New recall for your {esc(clip(_car(alert), 60))}</b> "
            f"(<code>{esc(alert.vin)}</code>)"
        ),
        "",
        f"<b>{esc(clip(recall.component or recall.name or 'Recall', 120))}</b>",
        f"<i>{' · '.join(meta)}</i>",
    ]
    urgent = _urgent(recall)
    if urgent:
        lines.append(" · ".join(urgent))
    if recall.summary:
        lines.append(esc(clip(recall.summary, SUMMARY_LIMIT)))
    tail = [
        "",
        (
            "<i>NHTSA lists this campaign for the make, model and year; a dealer can confirm "
            "whether it applies to your car. Turn these alerts off in /settings.</i>"
        ),
    ]
    return fit(lines, tail=tail)


def recall_alert_keyboard(codec: CallbackCodec, vin: str) -> InlineKeyboardMarkup:
    """One button that opens the car's recalls."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "🔔 See recalls", callback_data=codec.encode(CallbackAction.RECALLS, vin)
                )
            ]
        ]
    )
