"""Drives the real Application in-process: updates in through process_update, calls recorded."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update

from tests.fakes.beyond import (
    FakeImages,
    FakeMarketValues,
    FakeModelRecalls,
    FakeObdCodes,
    FakePlates,
    FakeTitleRecords,
    FakeVinReader,
    FakeVinRecalls,
)
from tests.fakes.providers import DictCache, FakeProvider
from tests.fakes.recording_request import BOT_ID, BOT_USERNAME, RecordingRequest
from vinbot.bootstrap import Core, assemble_bot_services, build_state
from vinbot.clients.breaker import CircuitBreaker
from vinbot.clients.offline import OfflineProvider
from vinbot.config import Settings, load_settings
from vinbot.handlers.context import BotServices, VinbotApplication
from vinbot.metrics import Metrics
from vinbot.services.decoding import DecodeService
from vinbot.services.extras import ExtrasService, PaidServices
from vinbot.services.market_value import MarketValueService
from vinbot.services.obd import ObdService
from vinbot.services.ocr import VinOcrService
from vinbot.services.paid_calls import PaidCallGate
from vinbot.services.plate import PlateService
from vinbot.services.recalls import RecallsService
from vinbot.services.title_check import TitleCheckService
from vinbot.services.vehicle_photo import VehiclePhotoService
from vinbot.telegram_app import BotApiRequests, build_application

TOKEN = "123456789:TEST-token-for-handler-tests-only-xyz"


def user(user_id: int) -> dict[str, Any]:
    """A Telegram User object for a person."""
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}


@dataclass
class ExtrasFakes:
    """The fakes behind recalls, market value, photos, VIN OCR, plates and OBD codes."""

    vin_recalls: FakeVinRecalls = field(default_factory=FakeVinRecalls)
    model_recalls: FakeModelRecalls = field(default_factory=FakeModelRecalls)
    values: FakeMarketValues = field(default_factory=FakeMarketValues)
    images: FakeImages = field(default_factory=FakeImages)
    reader: FakeVinReader = field(default_factory=FakeVinReader)
    plates: FakePlates = field(default_factory=FakePlates)
    titles: FakeTitleRecords = field(default_factory=FakeTitleRecords)
    obd: FakeObdCodes = field(default_factory=FakeObdCodes)

    def build(
        self,
        gate: PaidCallGate,
        decoder: DecodeService,
        cache: DictCache,
        *,
        paid: bool,
        photos: bool,
    ) -> ExtrasService:
        """The extras service over these fakes; paid features only when paid is True."""
        recalls = RecallsService(
            decoder, cache, carsxe=self.vin_recalls if paid else None, nhtsa=self.model_recalls
        )
        services = None
        if paid:
            services = PaidServices(
                market_value=MarketValueService(self.values, cache),
                photos=VehiclePhotoService(self.images, cache),
                ocr=VinOcrService(self.reader),
                plates=PlateService(self.plates, cache),
                title_checks=TitleCheckService(self.titles, cache, gate),
                obd=ObdService(self.obd, cache),
            )
        return ExtrasService(gate, recalls, services, photos=photos)


@dataclass
class BotHarness:
    """The application with fake providers and a recording request."""

    application: VinbotApplication
    request: RecordingRequest
    services: BotServices
    providers: list[FakeProvider]
    extras: ExtrasFakes
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[BotHarness]:
        """Initialise and start the application (job queue included), without polling."""
        async with self.application:
            await self.application.start()
            try:
                yield self
            finally:
                await self.application.stop()

    async def feed(self, update: dict[str, Any]) -> None:
        """Process one update as if it came from getUpdates."""
        update.setdefault("update_id", next(self._ids))
        await self.application.process_update(Update.de_json(update, self.application.bot))

    def message(
        self,
        text: str | None = None,
        *,
        user_id: int = 100,
        chat_id: int | None = None,
        chat_type: str = "private",
        **extra: Any,
    ) -> dict[str, Any]:
        """A message object from a user."""
        chat_id = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {
                "id": chat_id,
                "type": chat_type,
                **({} if chat_type == "private" else {"title": "Cars"}),
            },
            "from": user(user_id),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/") and "entities" not in extra:  # given entities are Telegram's
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return message

    async def send(self, text: str, **kwargs: Any) -> None:
        """A user sends a text message."""
        await self.feed({"message": self.message(text, **kwargs)})

    async def press(
        self,
        data: str,
        *,
        user_id: int = 100,
        message_text: str = "x",
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> None:
        """A user presses a button with this callback data under a bot message (in their
        private chat unless chat_id and chat_type say otherwise)."""
        chat: dict[str, Any] = {"id": user_id if chat_id is None else chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Cars"
        bot_message = {
            "message_id": 999,
            "date": int(time.time()),
            "chat": chat,
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "VIN bot",
                "username": BOT_USERNAME,
            },
            "text": message_text,
        }
        await self.feed(
            {
                "callback_query": {
                    "id": str(next(self._ids)),
                    "from": user(user_id),
                    "chat_instance": "ci",
                    "data": data,
                    "message": bot_message,
                }
            }
        )

    def replies(self) -> list[str]:
        """Texts of messages sent and edited, in order."""
        return self.request.texts()


def harness_settings(tmp_path: Path, **env: str) -> Settings:
    """Settings for handler tests: a token, no rate limiter, a database in tmp_path."""
    return load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_MAX_RATE": "0",
            "VEHICLE_PHOTOS": "0",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            **env,
        }
    )


async def build_harness(
    settings: Settings, providers: list[FakeProvider], stack: AsyncExitStack
) -> BotHarness:
    """An application over fake providers, a dict cache and a real SQLite file."""
    metrics = Metrics(providers=[p.name for p in providers])
    cache = DictCache()
    decoder = DecodeService(providers, OfflineProvider(), cache, observer=metrics)
    core = Core(
        decoder=decoder,
        cache=cache,
        metrics=metrics,
        breakers={p.name: CircuitBreaker(p.name) for p in providers},
    )
    state = await build_state(settings, stack)
    extras = ExtrasFakes()
    paid = any(p.is_paid for p in providers)
    services = assemble_bot_services(
        settings,
        core,
        state,
        lambda gate: extras.build(gate, decoder, cache, paid=paid, photos=settings.vehicle_photos),
        stack,
    )
    request = RecordingRequest()
    application = build_application(settings, services, BotApiRequests.sharing(request))
    return BotHarness(application, request, services, providers, extras)


@asynccontextmanager
async def running_bot(
    tmp_path: Path, providers: list[FakeProvider], **env: str
) -> AsyncIterator[BotHarness]:
    """A started harness over these providers and settings, stopped and closed at the end."""
    async with AsyncExitStack() as stack:
        bot = await build_harness(harness_settings(tmp_path, **env), providers, stack)
        await stack.enter_async_context(bot.running())
        yield bot
