"""The bot's fixed texts and small dynamic ones, as Telegram HTML."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from vinbot.i18n import N_

if TYPE_CHECKING:
    from vinbot.i18n import Words

SAMPLE_VIN = "1HGCM82633A004352"
MAX_VINS_PER_MESSAGE = 3
HISTORY_SHOWN = 10  # /history lists this many VINs


def welcome(words: Words) -> str:
    """The /start greeting."""
    greeting = "\n\n".join(
        (
            words.t("👋 <b>Hi! I decode Vehicle Identification Numbers.</b>"),
            words.t(
                "Send me a 17-character VIN (typed, pasted, or in a photo caption) and I'll tell "
                "you the year, make, model, engine, transmission, where it was built and more."
            ),
            words.t("Try the sample below, or /help for everything I can do."),
        )
    )
    return words.paragraphs(greeting)


def help_text(words: Words) -> str:
    """The /help page: how to send a VIN, where to find one, and every command."""
    sample = words.ltr(SAMPLE_VIN)
    usage = "\n".join(
        (
            words.t("<b>How to use vinbot</b>"),
            "",
            "• "
            + words.nt(
                "Send a VIN, e.g. <code>{example}</code> — up to {count} VIN per message.",
                "Send a VIN, e.g. <code>{example}</code> — up to {count} VINs per message.",
                MAX_VINS_PER_MESSAGE,
                example=sample,
            ),
            "• " + words.t("<code>/vin VIN</code> — decode a VIN (works in groups too)."),
            "• "
            + words.t(
                "A photo or file with the VIN in its caption works too — or a photo of the VIN "
                "plate itself, and I'll read it."
            ),
            "• "
            + words.t(
                "In any chat, type <code>@</code> and my name, then a VIN, to share a decode."
            ),
            "• " + words.t("In groups, mention me or reply to me with a VIN."),
            "• "
            + words.t(
                "📄 Report under a decode sends a one-page PDF of what I know about the car."
            ),
        )
    )
    where = words.t(
        "<b>Where to find the VIN</b>: at the bottom of the windscreen on the driver's side, "
        "on the driver's door pillar, or on your registration and insurance papers."
    )
    commands = "\n".join(
        (
            words.t("<b>Commands</b>"),
            words.t("/vin VIN — decode a VIN"),
            words.t("/recalls VIN — recall campaigns (🔔 under a decode does the same)"),
            words.t("/value VIN — market value from mileage, state and condition (💰)"),
            words.t("/plate PLATE STATE [COUNTRY] — find the VIN behind a licence plate"),
            words.t("/check VIN — theft, lien and US title records before you buy (🛡)"),
            words.t(
                "/compare VIN VIN — two cars side by side, differences marked "
                "(⚖️ in /history, /garage)"
            ),
            words.t(
                "/obd CODE — what a check-engine code such as P0420 means (or just send the code)"
            ),
            words.nt(
                "/history — your last {count} VIN (re-open it for free)",
                "/history — your last {count} VINs (re-open them for free)",
                HISTORY_SHOWN,
            ),
            words.t(
                "/garage — cars you saved with 💾 Save; "
                "<code>/garage rename VIN nickname</code> names one"
            ),
            words.t("/settings — language, metric or imperial units, recall alerts"),
            words.t("/privacy — what I store about you, for how long, and who can see it"),
            words.t("/export — download everything I store about you"),
            words.t("/forget — delete everything I store about you"),
            words.t("/start — welcome and a sample"),
            words.t("/help — this message"),
        )
    )
    return words.paragraphs(f"{usage}\n\n{where}\n\n{commands}")


def inline_paused(words: Words) -> str:
    """After the inline "try again" button: it opens the private chat with /start slow_down."""
    return words.t(
        "You've made a lot of lookups in the last minute, so I'm pausing for a moment. Wait a "
        "few seconds, then type my name and the VIN in your chat again, or just send the VIN "
        "here."
    )


def no_vin_hint(words: Words) -> str:
    """A message with no VIN in it."""
    return words.t(
        "I couldn't find a VIN in that. A VIN has 17 letters and digits, like "
        "<code>{example}</code>. /help has more.",
        example=words.ltr(SAMPLE_VIN),
    )


def unsupported_hint(words: Words) -> str:
    """Media the bot cannot read a VIN from."""
    return words.t(
        "I can only read VINs from text or captions. Send the 17-character VIN as a message."
    )


def vin_command_usage(words: Words) -> str:
    """/vin without a VIN."""
    return words.t(
        "Send the VIN after the command, like <code>/vin {example}</code>.",
        example=SAMPLE_VIN,
    )


# Marked for translation; shown through `button_expired(words)`.
BUTTON_EXPIRED = N_("This button has expired. Send the VIN again.")


def button_expired(words: Words) -> str:
    """A button that can no longer work (an alert, at most 200 characters)."""
    return words.t(BUTTON_EXPIRED)


def unknown_command(words: Words) -> str:
    """A command the bot does not have."""
    return words.t("Sorry, I don't know that command. /help lists what I can do.")


def something_went_wrong(words: Words) -> str:
    """The apology after an unexpected error (plain text; also an alert)."""
    return words.t("Sorry, something went wrong on my side. Please try again in a minute.")


def too_many_vins(words: Words, skipped: int) -> str:
    """Note that some VINs in a message were not decoded."""
    # Translators: {limit} is how many VINs one message may hold; {count} how many were skipped.
    return words.nt(
        "I decode up to {limit} VINs per message; {count} more VIN skipped. "
        "Send them in another message.",
        "I decode up to {limit} VINs per message; {count} more VINs skipped. "
        "Send them in another message.",
        skipped,
        limit=MAX_VINS_PER_MESSAGE,
    )


def wait_seconds(retry_after: float) -> int:
    """A flood-guard wait as whole seconds, at least 1."""
    return max(1, math.ceil(retry_after))


def slow_down(words: Words, retry_after: float) -> str:
    """The flood guard's one-time notice."""
    return words.nt(
        "That's more lookups than I allow in one minute, so I skipped this one. "
        "Please wait {count} s, then try again.",
        "That's more lookups than I allow in one minute, so I skipped this one. "
        "Please wait {count} s, then try again.",
        wait_seconds(retry_after),
    )


def slow_down_found(words: Words, retry_after: float) -> str:
    """The flood guard after a plate or photo lookup found a VIN but its decode was refused."""
    return words.nt(
        "I found the VIN above but hit the per-minute limit before decoding it. "
        "Send me that VIN in {count} s.",
        "I found the VIN above but hit the per-minute limit before decoding it. "
        "Send me that VIN in {count} s.",
        wait_seconds(retry_after),
    )


def slow_down_button(words: Words, retry_after: float) -> str:
    """The flood guard's answer to a button press (an alert or a toast, at most 200 chars)."""
    return words.nt(
        "That's more lookups than I allow in one minute. Please wait {count} s, then press again.",
        "That's more lookups than I allow in one minute. Please wait {count} s, then press again.",
        wait_seconds(retry_after),
    )
