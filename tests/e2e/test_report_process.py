"""📄 Report: the real bot sends a PDF of what it already knows, asking no upstream for it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.e2e.harness import World, in_chat
from tests.fakes.telegram.state import RecordedRequest
from vinbot.formatters.report_pdf import sections
from vinbot.i18n import words_in

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
USER = 8101


def button(record: RecordedRequest, label: str) -> str:
    """The callback data of the button whose text holds `label`."""
    markup = record.response["result"]["reply_markup"]
    return next(
        b["callback_data"] for row in markup["inline_keyboard"] for b in row if label in b["text"]
    )


async def test_report_button_sends_a_pdf_built_from_cached_answers(world: World) -> None:
    """Pressing 📄 Report uploads vinbot-<VIN>.pdf with every section, and asks no upstream."""
    await world.start_bot()
    world.telegram.send_text(USER, BMW)
    answer = await world.telegram.wait_for("sendMessage", in_chat(USER))
    world.telegram.press_button(USER, answer, button(answer, "Recalls"))
    await world.telegram.wait_for("sendMessage", in_chat(USER))
    upstream_before = (len(world.carsxe.calls), len(world.nhtsa.calls))

    world.telegram.press_button(USER, answer, button(answer, "Report"))
    sent = await world.telegram.wait_for("sendDocument", in_chat(USER))

    assert sent.ok
    (upload,) = sent.files.values()
    assert upload.filename == f"vinbot-{BMW}.pdf"
    reader = PdfReader(io.BytesIO(upload.data))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert BMW in text
    assert all(title in text for title in sections(words_in("en")))
    assert "recall campaign" in text  # the recalls pressed for above, read from the cache
    assert "Press Theft & title under the decode" in text
    assert "press Market value under the decode" in text
    assert (len(world.carsxe.calls), len(world.nhtsa.calls)) == upstream_before
