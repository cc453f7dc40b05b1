"""A market valuation as Telegram HTML: retail, private party and trade-in ranges, inputs echoed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.html import esc, fit
from vinbot.models.market_value import CONDITIONS

if TYPE_CHECKING:
    from vinbot.models.market_value import MarketValue, PriceRange

ASK_MILEAGE = (
    "💰 <b>Market value</b> for <code>{vin}</code>\n"
    "What's the mileage? Send it in miles, like <code>85000</code>, <code>85,000</code> or "
    "<code>85k</code>. /cancel stops."
)
ASK_STATE = (
    "Which US state is the car in? Send the two-letter code (e.g. <code>CA</code>), or "
    "press Skip for a national value. /cancel stops."
)
ASK_CONDITION = "What condition is it in? /cancel stops."
CANCELLED = "Market value cancelled."
USAGE = "Send the VIN after the command, like <code>/value WBAFR7C57CC811956</code>."
TIMED_OUT = "The market value question timed out. Press 💰 Market value again to restart."
NO_KEY = (
    "Market values come from CarsXE, and this bot has no CarsXE key configured, so I can't "
    "value cars here."
)
NOT_FOUND = "CarsXE has no market value for this VIN (it covers US-market vehicles)."
UNAVAILABLE = "I couldn't get a market value right now. Please try again in a few minutes."
SKIP = "Skip"


def _money(value: int | None) -> str:
    return "—" if value is None else f"${value:,}"


def _range(label: str, prices: PriceRange | None) -> str | None:
    if prices is None:
        return None
    if prices.low == prices.high:
        return f"<b>{label}:</b> {_money(prices.low)}"
    return f"<b>{label}:</b> {_money(prices.low)} to {_money(prices.high)}"


def render_market_value(value: MarketValue) -> str:
    """Ranges by kind of sale, with the inputs the valuation used."""
    words = [str(value.year) if value.year else "", value.make or "", value.model or ""]
    title = " ".join(w for w in words if w) or "this vehicle"
    lines = [f"💰 <b>Market value</b> of {esc(title)}", f"VIN <code>{esc(value.vin)}</code>", ""]
    inputs = [f"{value.mileage:,} miles" if value.mileage is not None else "mileage not given"]
    inputs.append(value.state or "national")
    inputs.append(f"{value.condition} condition" if value.condition else "any condition")
    lines.append(f"<i>For {esc(', '.join(inputs))}</i>")
    ranges = [
        _range("Retail (dealer asks)", value.retail),
        _range("Private party", value.private_party),
        _range("Trade-in (dealer gives)", value.trade_in),
        _range("Wholesale", value.wholesale),
    ]
    lines += [r for r in ranges if r]
    if value.msrp:
        lines.append(f"<b>Original MSRP:</b> {_money(value.msrp)}")
    if not value.has_prices:
        lines.append("No prices were given for this vehicle.")
    tail = ["", "<i>Estimates from CarsXE; real offers vary with options and history.</i>"]
    if value.published is not None:
        tail.append(f"<i>Price data of {value.published.isoformat()}.</i>")
    return fit(lines, tail=tail)


def state_keyboard() -> InlineKeyboardMarkup:
    """A Skip button for the state question (conversation buttons are not signed)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(SKIP, callback_data="mv:state:skip")]])


def condition_keyboard() -> InlineKeyboardMarkup:
    """One button per condition, plus Skip."""
    buttons = [
        InlineKeyboardButton(c.capitalize(), callback_data=f"mv:cond:{c}") for c in CONDITIONS
    ]
    skip = InlineKeyboardButton(SKIP, callback_data="mv:cond:skip")
    return InlineKeyboardMarkup([buttons[:2], buttons[2:], [skip]])
