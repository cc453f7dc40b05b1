"""The /value conversation and a market valuation as Telegram HTML, in the reader's language:
the questions, retail, private party and trade-in ranges, the inputs echoed, and every refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from vinbot.formatters.html import clip, esc, fit
from vinbot.i18n import N_
from vinbot.models.callback import CallbackAction
from vinbot.models.errors import InvalidCondition, InvalidMileage, InvalidRegion
from vinbot.models.market_value import CONDITIONS

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.callback import CallbackCodec
    from vinbot.models.errors import InvalidInput
    from vinbot.models.market_value import Condition, MarketValue, PriceRange
    from vinbot.models.records import QuotaDecision

# The payload of a Skip button on the state and condition questions.
SKIP_PAYLOAD: Final = "skip"

# Translators: the condition a valuation assumed, shown in "For 85,000 miles, CA, … condition".
CONDITION_NAMES: Final[dict[Condition | None, str]] = {
    "excellent": N_("excellent condition"),
    "clean": N_("clean condition"),
    "average": N_("average condition"),
    "rough": N_("rough condition"),
    None: N_("any condition"),
}


def ask_mileage(words: Words, vin: str) -> str:
    """The first question: the mileage, in miles."""
    return words.t(
        "💰 <b>Market value</b> for <code>{vin}</code>\n"
        "What's the mileage? Send it in miles, like <code>85000</code>, <code>85,000</code> or "
        "<code>85k</code>. /cancel stops.",
        vin=esc(vin),
    )


def ask_state(words: Words) -> str:
    """The second question: the US state, or Skip."""
    return words.t(
        "Which US state is the car in? Send the two-letter code (e.g. <code>CA</code>), or "
        "press Skip for a national value. /cancel stops."
    )


def ask_condition(words: Words) -> str:
    """The last question: the condition (buttons, or typed)."""
    return words.t("What condition is it in? /cancel stops.")


def cancelled(words: Words) -> str:
    """/cancel during the conversation."""
    return words.t("Market value cancelled.")


def usage(words: Words) -> str:
    """/value without a VIN."""
    return words.t("Send the VIN after the command, like <code>/value WBAFR7C57CC811956</code>.")


def timed_out(words: Words) -> str:
    """No answer for a while (plain text: sent without a parse mode)."""
    return words.t("The market value question timed out. Press 💰 Market value again to restart.")


def no_key(words: Words) -> str:
    """/value on a bot with no CarsXE key."""
    return words.t(
        "Market values come from CarsXE, and this bot has no CarsXE key configured, so I can't "
        "value cars here."
    )


def not_found(words: Words) -> str:
    """CarsXE has no valuation for the VIN."""
    return words.t("CarsXE has no market value for this VIN (it covers US-market vehicles).")


def unavailable(words: Words) -> str:
    """CarsXE could not answer now."""
    return words.t("I couldn't get a market value right now. Please try again in a few minutes.")


def refused(words: Words, decision: QuotaDecision) -> str:
    """No valuation: the quota allows no paid lookup now (nothing was spent)."""
    resets_at = decision.resets_at
    if decision.reason == "bot_monthly":
        if resets_at is None:
            return words.t(
                "Market values are paid lookups, and this bot's monthly budget for them is "
                "spent. Nothing was spent. They're back soon."
            )
        # Translators: {when} is a date and time, in UTC.
        return words.t(
            "Market values are paid lookups, and this bot's monthly budget for them is spent. "
            "Nothing was spent. They're back {when} UTC.",
            when=words.date_time(resets_at),
        )
    if resets_at is None:
        return words.t(
            "Market values are paid lookups, and you've used today's. Nothing was spent. "
            "Your quota resets soon."
        )
    # Translators: {when} is a date and time, in UTC.
    return words.t(
        "Market values are paid lookups, and you've used today's. Nothing was spent. "
        "Your quota resets {when} UTC.",
        when=words.date_time(resets_at),
    )


def input_problem(words: Words, exc: InvalidInput) -> str:
    """Why a mileage, a state or a condition cannot be used."""
    if isinstance(exc, InvalidMileage):
        return _mileage_problem(words, exc)
    if isinstance(exc, InvalidCondition):
        return words.t("The condition is one of excellent, clean, average or rough.")
    if isinstance(exc, InvalidRegion) and exc.state:
        # Translators: {state} is what the user typed for a US state code.
        return words.t("{state} is not a US state code.", state=esc(clip(exc.state, 20)))
    return words.t("Send the two-letter code of a US state, like <code>CA</code>.")


def _mileage_problem(words: Words, exc: InvalidMileage) -> str:
    match exc.problem:
        case "negative":
            return words.t(
                "The mileage cannot be negative. Send the mileage in miles as a number, like "
                '"85000", "85,000" or "85k".'
            )
        case "kilometres":
            return words.t(
                "Please give the mileage in miles (1 km is about 0.62 miles). Send the mileage in "
                'miles as a number, like "85000", "85,000" or "85k".'
            )
        case "too_high" if exc.miles is not None:
            return words.nt(
                "{count} mile is more than any car has done; please check the number.",
                "{count} miles is more than any car has done; please check the number.",
                exc.miles,
            )
        case _:
            return words.t(
                'Send the mileage in miles as a number, like "85000", "85,000" or "85k".'
            )


def ask_again(words: Words, exc: InvalidInput) -> str:
    """An answer that cannot be used: why, and that /cancel stops."""
    # Translators: {problem} is one or two sentences saying what is wrong with the answer.
    return words.t("{problem} /cancel stops.", problem=input_problem(words, exc))


def _range(words: Words, label: str, prices: PriceRange | None) -> str | None:
    if prices is None:
        return None
    if prices.low == prices.high:
        # Translators: {label} is a kind of sale ("Private party"), {price} an amount of money.
        return words.t("<b>{label}:</b> {price}", label=label, price=words.money(prices.low))
    # Translators: a price range; {low} and {high} are amounts of money.
    return words.t(
        "<b>{label}:</b> {low} to {high}",
        label=label,
        low=words.money(prices.low),
        high=words.money(prices.high),
    )


def _inputs(words: Words, value: MarketValue) -> str:
    mileage = (
        words.nt("{count} mile", "{count} miles", value.mileage)
        if value.mileage is not None
        else words.t("mileage not given")
    )
    state = esc(value.state) if value.state else words.t("national")
    # Translators: what a valuation assumed: a mileage ("85,000 miles"), a US state code or
    # "national", and a condition ("clean condition").
    return words.t(
        "<i>For {mileage}, {state}, {condition}</i>",
        mileage=mileage,
        state=state,
        condition=words.t(CONDITION_NAMES[value.condition]),
    )


def render_market_value(words: Words, value: MarketValue) -> str:
    """Ranges by kind of sale, with the inputs the valuation used."""
    named = [str(value.year) if value.year else "", value.make or "", value.model or ""]
    title = " ".join(part for part in named if part)
    lines = [
        words.t("💰 <b>Market value</b> of {vehicle}", vehicle=esc(title))
        if title
        else words.t("💰 <b>Market value</b> of this vehicle"),
        words.t("VIN <code>{vin}</code>", vin=esc(value.vin)),
        "",
        _inputs(words, value),
    ]
    ranges = [
        _range(words, words.pt("field", "Retail (dealer asks)"), value.retail),
        _range(words, words.pt("field", "Private party"), value.private_party),
        _range(words, words.pt("field", "Trade-in (dealer gives)"), value.trade_in),
        _range(words, words.pt("field", "Wholesale"), value.wholesale),
    ]
    lines += [r for r in ranges if r]
    if value.msrp:
        lines.append(
            words.t("<b>Original MSRP:</b> {price}", price=words.money(value.msrp)),
        )
    if not value.has_prices:
        lines.append(words.t("No prices were given for this vehicle."))
    tail = ["", words.t("<i>Estimates from CarsXE; real offers vary with options and history.</i>")]
    if value.published is not None:
        tail.append(
            words.t("<i>Price data of {date}.</i>", date=words.date(value.published)),
        )
    return fit(words, lines, tail=tail)


def state_keyboard(words: Words, codec: CallbackCodec) -> InlineKeyboardMarkup:
    """A Skip button for the state question (signed like every other button)."""
    skip = codec.encode(CallbackAction.VALUE_STATE, SKIP_PAYLOAD)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(words.pt("button", "Skip"), callback_data=skip)]]
    )


def _condition_label(words: Words, condition: Condition) -> str:
    match condition:
        case "excellent":
            return words.pt("button", "Excellent")
        case "clean":
            return words.pt("button", "Clean")
        case "average":
            return words.pt("button", "Average")
        case "rough":
            return words.pt("button", "Rough")


def condition_named(words: Words, text: str) -> Condition | None:
    """The condition whose button label (in the reader's language) was typed, if any."""
    typed = text.strip().casefold()
    for condition in CONDITIONS:
        if _condition_label(words, condition).casefold() == typed:
            return condition
    return None


def condition_keyboard(words: Words, codec: CallbackCodec) -> InlineKeyboardMarkup:
    """One button per condition, plus Skip (signed like every other button)."""
    buttons = [
        InlineKeyboardButton(
            _condition_label(words, c),
            callback_data=codec.encode(CallbackAction.VALUE_CONDITION, c),
        )
        for c in CONDITIONS
    ]
    skip = InlineKeyboardButton(
        words.pt("button", "Skip"),
        callback_data=codec.encode(CallbackAction.VALUE_CONDITION, SKIP_PAYLOAD),
    )
    return InlineKeyboardMarkup([buttons[:2], buttons[2:], [skip]])
