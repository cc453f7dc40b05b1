"""The message announcing a new recall campaign for a car in the user's garage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.html import clip, esc, fit
from vinbot.formatters.recalls import campaign_meta
from vinbot.models.callback import CallbackAction

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.recalls import Recall
    from vinbot.services.recall_alerts import RecallAlert

SUMMARY_LIMIT = 400
CAR_LIMIT = 60
HEADING_LIMIT = 120


def _car(alert: RecallAlert) -> str | None:
    """The nickname, else the year, make and model; None when nothing is known."""
    if alert.nickname:
        return alert.nickname
    parts = [str(alert.year) if alert.year else "", alert.make or "", alert.model or ""]
    return " ".join(part for part in parts if part) or None


def _urgent(words: Words, recall: Recall) -> list[str]:
    flags = []
    if recall.do_not_drive:
        flags.append(words.t("⛔ <b>DO NOT DRIVE</b> until repaired"))
    if recall.park_outside:
        flags.append(words.t("🔥 <b>Park outside</b>, away from buildings"))
    if recall.remedy_available is False:
        flags.append(words.t("⏳ No remedy yet"))
    return flags


def _headline(words: Words, alert: RecallAlert) -> str:
    car = _car(alert)
    vin = esc(alert.vin)
    if car is None:
        return words.t("🔔 <b>New recall for your car</b> (<code>{vin}</code>)", vin=vin)
    # Translators: {car} is the owner's nickname for the car, or its year, make and model.
    return words.t(
        "🔔 <b>New recall for your {car}</b> (<code>{vin}</code>)",
        car=esc(clip(car, CAR_LIMIT)),
        vin=vin,
    )


def _heading(words: Words, recall: Recall) -> str:
    if recall.component or recall.name:
        return esc(clip(recall.component or recall.name or "", HEADING_LIMIT))
    # Translators: the heading of a recall campaign whose component is not known.
    return esc(words.pt("campaign", "Recall"))


def render_recall_alert(words: Words, alert: RecallAlert) -> str:
    """'🔔 New recall for your <car>': component, campaign and date, urgent flags, summary."""
    recall = alert.recall
    lines = [
        _headline(words, alert),
        "",
        f"<b>{_heading(words, recall)}</b>",
        f"<i>{campaign_meta(words, recall)}</i>",
    ]
    urgent = _urgent(words, recall)
    if urgent:
        lines.append(" · ".join(urgent))
    if recall.summary:
        lines.append(esc(clip(recall.summary, SUMMARY_LIMIT)))
    about = words.t(
        "NHTSA lists this campaign for the make, model and year; a dealer can confirm whether it "
        "applies to your car. Turn these alerts off in /settings."
    )
    return fit(words, lines, tail=["", f"<i>{about}</i>"])


def recall_alert_keyboard(words: Words, codec: CallbackCodec, vin: str) -> InlineKeyboardMarkup:
    """One button that opens the car's recalls."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    words.pt("button", "🔔 See recalls"),
                    callback_data=codec.encode(CallbackAction.RECALLS, vin),
                )
            ]
        ]
    )
