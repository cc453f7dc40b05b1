"""History, garage, settings, privacy, admin and menu texts render in every language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.telegram.html import parse_html
from vinbot.formatters import account, admin, garage, history, menus, privacy, settings
from vinbot.handlers.admin_alerts import TelegramAdminAlerts
from vinbot.i18n import LANGUAGES, words_in
from vinbot.metrics import MetricsSnapshot
from vinbot.models.callback import CallbackCodec
from vinbot.models.records import CapEvent, GarageEntry, LookupRecord, UserSettings
from vinbot.services.status import StatusReport

CODEC = CallbackCodec(b"0123456789abcdef0123456789abcdef")
VIN = "1HGCM82633A004352"
WHEN = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
EVERY_LANGUAGE = pytest.mark.parametrize("language", list(LANGUAGES))


def _report() -> StatusReport:
    metrics = MetricsSnapshot(
        updates={"message": 3},
        replies={"message": 2},
        errors={},
        provider_calls={},
        decodes=2,
        decode_seconds_total=0.5,
        cache_hits=1,
        cache_misses=1,
        paid_calls=1,
    )
    return StatusReport(
        uptime_seconds=90_061,
        seconds_since_last_poll=3.4,
        metrics=metrics,
        providers={"carsxe": "closed"},
        paid_calls_today=1,
        paid_calls_month=4,
        monthly_cap=100,
    )


def _pages(language: str) -> list[str]:
    words = words_in(language)
    record = LookupRecord(1, 5, VIN, "nhtsa", WHEN, 2003, "HONDA", "<Accord>")
    entry = GarageEntry(5, VIN, "<b>Blue</b>", WHEN)
    return [
        history.history_page(words, [record, record], CODEC, 5)[0],
        history.history_empty(words),
        garage.garage_page(words, [entry], {VIN: None}, CODEC, 10, 5, title_checks=True)[0],
        garage.garage_empty(words),
        garage.garage_full(words, 10),
        garage.nickname_too_long(words, 32),
        settings.settings_page(
            words, UserSettings(), CODEC, 5, units="metric", telegram_language="ru"
        )[0],
        settings.settings_page(
            words,
            UserSettings(units="imperial", recall_alerts=False, language="ar"),
            CODEC,
            5,
            units="imperial",
            telegram_language="en",
        )[0],
        privacy.privacy_page(words, history_days=90, history_max=1000, garage_limit=10),
        privacy.privacy_page(words, history_days=0, history_max=0, garage_limit=1),
        privacy.export_caption(words, 1200, 3),
        privacy.export_too_soon(words, 61),
        privacy.forget_ask(words),
        admin.stats(words, _report()),
        admin.spend_cap_reached(words, CapEvent("2025-03", 100, 100, WHEN)),
        admin.unexpected_error(
            words, "KeyError", "vinbot.x:f:1", in_update=True, held_back=2, window_minutes=10
        ),
        admin.update_quarantined(words, 1234567, "message"),
        admin.update_unreadable(words, 1234567, "<odd>", 3),
        account.personal_account_needed(words),
        account.vehicle_title(words, None, None, None),
    ]


@EVERY_LANGUAGE
def test_every_page_is_valid_telegram_html(language: str) -> None:
    """Each text parses as Telegram HTML, fits a message, and escapes provider and user data."""
    for page in _pages(language):
        parse_html(page)
        assert 0 < len(page) <= 4096
    garage_text = _pages(language)[2]
    assert "&lt;b&gt;Blue&lt;/b&gt;" in garage_text


def test_english_texts_are_the_ones_users_knew() -> None:
    """The English wording of the moved texts did not change."""
    words = words_in("en")
    assert garage.garage_full(words, 10) == (
        "Your garage is full (10 cars). Remove one in /garage first."
    )
    assert privacy.export_too_soon(words, 61) == (
        "You asked for an export a few minutes ago. You can ask for another in 2 minutes."
    )
    assert privacy.export_caption(words, 1200, 1) == (
        "Everything I store about you, as JSON. It holds your 1,200 newest lookups. The oldest "
        "lookup didn't fit under Telegram's 50 MB file limit. It is still stored, and /forget "
        "deletes it too."
    )
    assert account.vehicle_title(words, 2003, "Honda", "Accord") == "2003 Honda Accord"
    assert account.vehicle_title(words, None, None, None) == "Unknown vehicle"
    assert account.spec_title(None) is None
    stats = admin.stats(words, _report())
    assert "Uptime: 1d 1h 1m" in stats
    assert "Cache: 1 hits, 1 misses (50% hit ratio)" in stats
    assert "Paid calls this month: 4 of 100" in stats
    assert menus.bot_commands(words)[0].description == "Decode a VIN: /vin 1HGCM82633A004352"


def test_admin_menu_adds_stats_to_everyones() -> None:
    """The admins' menu is everyone's plus /stats, last."""
    words = words_in("uk")
    everyone = [c.command for c in menus.bot_commands(words)]
    assert [c.command for c in menus.admin_commands(words)] == [*everyone, "stats"]
    assert "stats" not in everyone


class _Bot:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str) -> None:
        self.sent.append((chat_id, text))


async def test_admin_alerts_are_written_in_each_admins_language() -> None:
    """An admin who reads Arabic gets the alert with Arabic words (values isolated), another
    English; a failing language lookup falls back to English."""
    languages = {7: "ar", 8: "en"}

    async def language_of(user_id: int) -> str:
        return languages[user_id]

    alerts = TelegramAdminAlerts({7, 8, 9}, language_of=language_of)
    bot = _Bot()
    alerts.attach(bot)  # type: ignore[arg-type]
    await alerts.spend_cap_reached(CapEvent("2025-03", 100, 100, WHEN))

    by_admin: dict[int, Any] = dict(bot.sent)
    assert "\u2068" in by_admin[7]
    assert by_admin[8] == admin.spend_cap_reached(
        words_in("en"), CapEvent("2025-03", 100, 100, WHEN)
    )
    assert by_admin[9] == by_admin[8]


def test_the_documented_privacy_policy_is_what_privacy_says() -> None:
    """docs/configuration.md's "Privacy policy" block is the English /privacy by default."""
    doc = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    section = doc.read_text(encoding="utf-8").split("## Privacy policy", 1)[1]
    block = section.split("```text\n", 1)[1].split("\n```", 1)[0]
    paragraphs = privacy.privacy_policy(
        words_in("en"), history_days=90, history_max=1000, garage_limit=10
    )
    assert block == "\n\n".join(paragraphs)
