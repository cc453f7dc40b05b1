"""The bot's fixed texts and small dynamic ones, as Telegram HTML."""

from __future__ import annotations

import math

SAMPLE_VIN = "1HGCM82633A004352"
MAX_VINS_PER_MESSAGE = 3

WELCOME = (
    "👋 <b>Hi! I decode Vehicle Identification Numbers.</b>\n\n"
    "Send me a 17-character VIN (typed, pasted, or in a photo caption) and I'll tell you "
    "the year, make, model, engine, transmission, where it was built and more.\n\n"
    "Try the sample below, or /help for everything I can do."
)

HELP = (
    "<b>How to use vinbot</b>\n\n"
    "• Send a VIN, e.g. <code>1HGCM82633A004352</code> — up to "
    f"{MAX_VINS_PER_MESSAGE} VINs per message.\n"
    "• <code>/vin VIN</code> — decode a VIN (works in groups too).\n"
    "• A photo or file with the VIN in its caption works too — or a photo of the VIN "
    "plate itself, and I'll read it.\n"
    "• In any chat, type <code>@</code> and my name, then a VIN, to share a decode.\n"
    "• In groups, mention me or reply to me with a VIN.\n"
    "• 📄 Report under a decode sends a one-page PDF of what I know about the car.\n\n"
    "<b>Where to find the VIN</b>: at the bottom of the windscreen on the driver's side, "
    "on the driver's door pillar, or on your registration and insurance papers.\n\n"
    "<b>Commands</b>\n"
    "/vin VIN — decode a VIN\n"
    "/recalls VIN — recall campaigns (🔔 under a decode does the same)\n"
    "/value VIN — market value from mileage, state and condition (💰)\n"
    "/plate PLATE STATE [COUNTRY] — find the VIN behind a licence plate\n"
    "/check VIN — theft, lien and US title records before you buy (🛡)\n"
    "/compare VIN VIN — two cars side by side, differences marked (⚖️ in /history, /garage)\n"
    "/obd CODE — what a check-engine code such as P0420 means (or just send the code)\n"
    "/history — your last 10 VINs (re-open them for free)\n"
    "/garage — cars you saved with 💾 Save; "
    "<code>/garage rename VIN nickname</code> names one\n"
    "/settings — metric or imperial units, recall alerts\n"
    "/export — download everything I store about you\n"
    "/forget — delete everything I store about you\n"
    "/start — welcome and a sample\n"
    "/help — this message"
)

# After the inline "try again" button: it opens the private chat with /start slow_down.
INLINE_PAUSED = (
    "You've made a lot of lookups in the last minute, so I'm pausing for a moment. Wait a few "
    "seconds, then type my name and the VIN in your chat again, or just send the VIN here."
)
NO_VIN_HINT = (
    "I couldn't find a VIN in that. A VIN has 17 letters and digits, like "
    "<code>1HGCM82633A004352</code>. /help has more."
)
UNSUPPORTED_HINT = (
    "I can only read VINs from text or captions. Send the 17-character VIN as a message."
)
VIN_COMMAND_USAGE = "Send the VIN after the command, like <code>/vin 1HGCM82633A004352</code>."
BUTTON_EXPIRED = "This button has expired. Send the VIN again."
UNKNOWN_COMMAND = "Sorry, I don't know that command. /help lists what I can do."
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a minute."
DECODE_UNAVAILABLE = "Sorry, I couldn't decode that right now. Please try again in a minute."


def too_many_vins(skipped: int) -> str:
    """Note that some VINs in a message were not decoded."""
    plural = "VIN" if skipped == 1 else "VINs"
    return (
        f"I decode up to {MAX_VINS_PER_MESSAGE} VINs per message; {skipped} more {plural} "
        "skipped. Send them in another message."
    )


def slow_down(retry_after: float) -> str:
    """The flood guard's one-time notice."""
    seconds = max(1, math.ceil(retry_after))
    return (
        "That's more lookups than I allow in one minute, so I skipped this one. "
        f"Please wait {seconds} s, then try again."
    )


def slow_down_found(retry_after: float) -> str:
    """The flood guard after a plate or photo lookup found a VIN but its decode was refused."""
    seconds = max(1, math.ceil(retry_after))
    return (
        "I found the VIN above but hit the per-minute limit before decoding it. "
        f"Send me that VIN in {seconds} s."
    )


def slow_down_button(retry_after: float) -> str:
    """The flood guard's answer to a button press (an alert or a toast, at most 200 chars)."""
    seconds = max(1, math.ceil(retry_after))
    return (
        f"That's more lookups than I allow in one minute. Please wait {seconds} s, "
        "then press again."
    )
