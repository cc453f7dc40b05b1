"""What the bot's admins read, in their own language: /stats and the alerts sent to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vinbot.formatters.html import esc

if TYPE_CHECKING:
    from vinbot.i18n import Words
    from vinbot.models.records import CapEvent
    from vinbot.services.status import StatusReport


def _duration(words: Words, seconds: float) -> str:
    whole = int(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    # Translators: an uptime, short: d days, h hours, m minutes, s seconds.
    if days:
        return words.t("{days}d {hours}h {minutes}m", days=days, hours=hours, minutes=minutes)
    if hours:
        return words.t("{hours}h {minutes}m", hours=hours, minutes=minutes)
    return words.t("{minutes}m {seconds}s", minutes=minutes, seconds=secs)


def stats(words: Words, report: StatusReport) -> str:
    """The admin /stats page."""
    m = report.metrics
    # Translators: shown instead of a figure that cannot be known yet.
    unknown = words.t("n/a")
    ratio = (
        unknown
        if m.cache_hit_ratio is None
        else words.t("{percent}%", percent=round(m.cache_hit_ratio * 100))
    )
    average = (
        unknown
        if m.decode_seconds_average is None
        else words.t("{seconds} s", seconds=words.number(m.decode_seconds_average, 3))
    )
    if report.seconds_since_last_poll is None:
        # Translators: the bot has not polled Telegram successfully yet.
        last_poll = words.t("never")
    else:
        last_poll = words.t("{seconds} s ago", seconds=round(report.seconds_since_last_poll))
    lines = [
        words.t("<b>vinbot status</b>"),
        words.t("Uptime: {duration}", duration=_duration(words, report.uptime_seconds)),
        words.t("Last successful poll: {when}", when=last_poll),
        words.t(
            "Updates: {updates} · replies: {replies} · errors: {errors}",
            updates=m.updates_total,
            replies=m.replies_total,
            errors=m.errors_total,
        ),
        words.t("Decodes: {decodes} · average {average}", decodes=m.decodes, average=average),
        words.t(
            "Cache: {hits} hits, {misses} misses ({ratio} hit ratio)",
            hits=m.cache_hits,
            misses=m.cache_misses,
            ratio=ratio,
        ),
        words.t("Paid calls since start: {calls}", calls=m.paid_calls),
    ]
    if report.paid_calls_today is not None:
        lines.append(words.t("Paid calls today: {calls}", calls=report.paid_calls_today))
    if report.paid_calls_month is not None:
        if report.monthly_cap:
            lines.append(
                words.t(
                    "Paid calls this month: {calls} of {cap}",
                    calls=report.paid_calls_month,
                    cap=report.monthly_cap,
                )
            )
        else:
            lines.append(
                words.t("Paid calls this month: {calls} (no cap)", calls=report.paid_calls_month)
            )
    if report.providers:
        lines.append(words.t("<b>Providers</b>"))
        # Provider names and circuit states are codes, shown as they are.
        lines += [f"• {esc(name)}: {esc(state)}" for name, state in report.providers.items()]
    return "\n".join(lines)


def spend_cap_reached(words: Words, event: CapEvent) -> str:
    """The admins' alert (HTML) when the monthly paid-call cap is reached."""
    # Translators: {month} is YYYY-MM; MONTHLY_PAID_CALLS is a setting's name (keep it).
    return words.t(
        "⚠️ <b>Monthly paid-call cap reached</b> ({calls}/{cap} in {month}). Until the month "
        "ends everyone gets the free NHTSA/offline decodes. Raise MONTHLY_PAID_CALLS to lift it.",
        calls=event.paid_calls,
        cap=event.cap,
        month=event.month,
    )


def unexpected_error(
    words: Words, kind: str, place: str, *, in_update: bool, held_back: int, window_minutes: int
) -> str:
    """The admins' alert (HTML) for an unexpected error: its type and where, never its message."""
    if in_update:
        # Translators: {error} is a Python exception type, {place} module:function:line.
        text = words.t(
            "⚠️ <b>Unexpected error</b> while handling an update: <code>{error}</code> at "
            "<code>{place}</code>. The user was told something went wrong; the traceback is in "
            "the logs (<code>update_failed</code>).",
            error=esc(kind),
            place=esc(place),
        )
    else:
        text = words.t(
            "⚠️ <b>Unexpected error</b> in a background task: <code>{error}</code> at "
            "<code>{place}</code>. The traceback is in the logs (<code>background_error</code>).",
            error=esc(kind),
            place=esc(place),
        )
    if held_back:
        more = words.nt(
            "{count} more like it since the last alert (one alert per {minutes} min).",
            "{count} more like it since the last alert (one alert per {minutes} min).",
            held_back,
            minutes=window_minutes,
        )
        text = f"{text}\n{more}"
    return text


def update_quarantined(words: Words, update_id: int, update_kind: str) -> str:
    """The admins' alert (HTML) for an update that will not be retried: which, never what."""
    # Translators: {kind} is a Telegram update type such as "message"; the names in <code>
    # are log events (keep them).
    return words.t(
        "⚠️ <b>Update quarantined</b>: the bot went down while handling update {update_id} "
        "({kind}), and again when it retried it on its own, so it won't be retried. Its sender "
        "was sent an apology where possible. Logs: look for <code>update_id={update_id}</code> "
        "before the restarts (<code>loop_stalled</code> or <code>fatal_error</code>), then "
        "<code>update_quarantined</code>.",
        update_id=str(update_id),
        kind=esc(update_kind),
    )


def update_unreadable(words: Words, update_id: int, update_kind: str, held_back: int) -> str:
    """The admins' alert (HTML) for an update python-telegram-bot could not parse."""
    text = words.t(
        "⚠️ <b>Unreadable update</b>: update {update_id} ({kind}) did not fit "
        "python-telegram-bot's types, so it was skipped (its sender, if any, got an apology) "
        "and polling went on. If this repeats, Telegram may have changed the update's shape: "
        "upgrade python-telegram-bot. The logs have <code>update_unreadable</code>.",
        update_id=str(update_id),
        kind=esc(update_kind),
    )
    if held_back:
        more = words.nt(
            "{count} more like it since the last alert.",
            "{count} more like it since the last alert.",
            held_back,
        )
        text = f"{text}\n{more}"
    return text
