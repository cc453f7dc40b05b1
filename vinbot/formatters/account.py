"""Words every personal feature shares: who may use it, whose buttons, and a car's title.

The constants are marked for extraction and translated where they are shown,
`words.t(NOT_YOUR_BUTTON)`; the functions take the reader's `Words` first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.i18n import N_

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.vehicle import VehicleSpec

# Group members who write as the group (anonymous admins) or as a channel all look the same
# to a bot: their VINs are decoded, but nothing personal can be kept for them.
PERSONAL_ACCOUNT_NEEDED = N_(
    "You're posting as the group or a channel, so I can't tell who you are. /history, "
    "/garage, /settings, /value, /check, /export and /forget need your own account: post as "
    "yourself, or use them in a private chat with me. VINs sent this way are still decoded."
)
# Alerts (at most 200 characters) for a press on someone else's personal button in a group.
NOT_YOUR_BUTTON = N_(
    "These buttons belong to the person who asked. Send the command yourself to get your own."
)
PERSONAL_BUTTON_EXPIRED = N_("This button has expired. Send the command again for a fresh one.")
# An alert (at most 200 characters) when a personal change could not be stored.
TRY_AGAIN = N_("Sorry, that didn't work. Please try again.")


def personal_account_needed(words: Words) -> str:
    """The answer to someone writing as a group or channel asking for a personal feature."""
    return words.t(PERSONAL_ACCOUNT_NEEDED)


def not_your_button(words: Words) -> str:
    """The alert for a press on someone else's personal button."""
    return words.t(NOT_YOUR_BUTTON)


def personal_button_expired(words: Words) -> str:
    """The alert for a personal button too old to know its owner, pressed in a group."""
    return words.t(PERSONAL_BUTTON_EXPIRED)


def try_again(words: Words) -> str:
    """The alert when a personal change failed."""
    return words.t(TRY_AGAIN)


def _known_title(year: int | None, make: str | None, model: str | None) -> str:
    # Provider data as it comes: the year, the make and the model, never translated.
    return " ".join(part for part in (str(year) if year else "", make or "", model or "") if part)


def vehicle_title(words: Words, year: int | None, make: str | None, model: str | None) -> str:
    """'2003 Honda Accord', or 'Unknown vehicle' (in the reader's language) when nothing is
    known. Not escaped: the caller escapes it for HTML."""
    # Translators: the title of a car whose year, make and model are all unknown.
    return _known_title(year, make, model) or words.t("Unknown vehicle")


def spec_title(spec: VehicleSpec | None) -> str | None:
    """A short title from a cached spec, None when it names nothing (no words needed)."""
    if spec is None:
        return None
    return _known_title(spec.year, spec.make, spec.model) or None
