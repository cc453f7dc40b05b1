"""Why a paid-only lookup (a plate, a photo) was refused: the quota, and when it is back."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.records import QuotaDecision


def quota_refusal(words: Words, decision: QuotaDecision) -> str:
    """Which quota is spent and when paid lookups are back (times in UTC)."""
    monthly = decision.reason == "bot_monthly"
    if decision.resets_at is None:
        if monthly:
            return words.t(
                "This bot's monthly budget for detailed answers is spent. Paid lookups are back "
                "soon."
            )
        return words.t("You've used today's detailed lookups. Your quota resets soon.")
    moment = words.date_time(decision.resets_at)
    if monthly:
        # Translators: {moment} is a date and time in UTC.
        return words.t(
            "This bot's monthly budget for detailed answers is spent. Paid lookups are back "
            "{moment} UTC.",
            moment=moment,
        )
    # Translators: {moment} is a date and time in UTC.
    return words.t(
        "You've used today's detailed lookups. Your quota resets {moment} UTC.", moment=moment
    )
