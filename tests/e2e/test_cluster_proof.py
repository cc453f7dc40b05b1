"""The scale-out proof (issue 15): two instances in webhook mode share quotas, caps and drafts."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import asyncpg
import pytest

from tests.e2e.harness import buttons, in_chat
from tests.fakes.nhtsa_server import default_nhtsa_recalls, nhtsa_recall
from vinbot.models.vin import check_digit

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.e2e.cluster import Cluster
    from tests.fakes.telegram.state import RecordedRequest

pytestmark = pytest.mark.slow

BMW = "WBAFR7C57CC811956"
USER = 7301
ADMIN = 7399
SETTLE = 30.0
QUOTA_NOTE = "Your quota resets"
CAP_ALERT = "Monthly paid-call cap reached"


def honda_vin(serial: int) -> str:
    """A valid Honda VIN with a given serial number (distinct, so never cached)."""
    body = f"1HGCM826?3A{serial:06d}"
    return body.replace("?", check_digit(body.replace("?", "0")))


def answered(cluster: Cluster, chat_id: int, vin: str) -> int:
    """How many messages to one chat mention the VIN."""
    return sum(vin in text for text in cluster.texts_to(chat_id))


async def test_a_users_burst_makes_exactly_their_paid_lookups_across_both(
    cluster: Cluster,
) -> None:
    """Eight lookups sent at once by a user with three paid lookups left make three CarsXE calls."""
    tg = cluster.telegram
    first, second = await cluster.start(2, DAILY_LOOKUPS_PER_USER="3", USER_DECODES_PER_MINUTE="0")
    vins = [honda_vin(serial) for serial in range(501, 509)]
    for vin in vins:
        tg.send_text(USER, vin)
    assert [d.status for d in await cluster.deliver()] == [200] * len(vins)
    await tg.wait_until(
        lambda: all(answered(cluster, USER, vin) for vin in vins), SETTLE, "every lookup answered"
    )
    await cluster.stop()
    assert cluster.world.carsxe.count("/specs") == 3
    assert [answered(cluster, USER, vin) for vin in vins] == [1] * len(vins)
    notes = [text for text in cluster.texts_to(USER) if QUOTA_NOTE in text]
    assert len(notes) == len(vins) - 3
    assert [first.stopped_code, second.stopped_code] == [0, 0]


async def test_the_monthly_cap_holds_across_both_with_one_admin_alert(cluster: Cluster) -> None:
    """Six users against MONTHLY_PAID_CALLS=2 make two CarsXE calls and the admin hears once."""
    tg = cluster.telegram
    await cluster.start(2, MONTHLY_PAID_CALLS="2", ADMIN_IDS=str(ADMIN))
    lookups = {USER + n: honda_vin(600 + n) for n in range(6)}
    for user, vin in lookups.items():
        tg.send_text(user, vin)
    assert [d.status for d in await cluster.deliver()] == [200] * len(lookups)
    await tg.wait_until(
        lambda: all(answered(cluster, user, vin) for user, vin in lookups.items()),
        SETTLE,
        "every lookup answered",
    )
    await tg.wait_for_message(ADMIN, lambda m: CAP_ALERT in m.get("text", ""), timeout=SETTLE)
    await cluster.stop()  # whatever was still being sent is sent by then
    assert cluster.world.carsxe.count("/specs") == 2
    assert [answered(cluster, user, vin) for user, vin in lookups.items()] == [1] * len(lookups)
    assert sum(CAP_ALERT in text for text in cluster.texts_to(ADMIN)) == 1


async def next_reply(cluster: Cluster) -> RecordedRequest:
    """The next message the bot sent to the user."""
    return await cluster.telegram.wait_for("sendMessage", in_chat(USER), timeout=SETTLE)


async def test_a_value_conversation_started_on_one_instance_finishes_on_the_other(
    cluster: Cluster,
) -> None:
    """/value on the first instance, mileage on the second, state on the first, condition on the
    second: one market value answer and one CarsXE marketvalue call."""
    tg = cluster.telegram
    first, second = await cluster.start(2)
    tg.send_text(USER, f"/value {BMW}")
    assert [d.status for d in await cluster.deliver()] == [200]  # the first instance's turn
    assert "mileage" in (await next_reply(cluster)).params["text"]
    tg.send_text(USER, "85,000")
    assert [d.status for d in await cluster.deliver()] == [200]  # the second's
    state_question = await next_reply(cluster)
    tg.press_button(USER, state_question, buttons(state_question)[0]["callback_data"])
    assert [d.status for d in await cluster.deliver()] == [200]  # the first's
    condition_question = await next_reply(cluster)
    clean = next(b for b in buttons(condition_question) if b["text"] == "Clean")
    tg.press_button(USER, condition_question, clean["callback_data"])
    assert [d.status for d in await cluster.deliver()] == [200]  # the second's
    value = (await next_reply(cluster)).params["text"]
    assert "Market value</b> of" in value
    assert "85,000 miles" in value
    assert [await cluster.webhook_updates_taken(bot) for bot in (first, second)] == [2, 2]
    await cluster.stop()
    assert sum("Market value of" in text for text in cluster.texts_to(USER)) == 1
    (call,) = [c for c in cluster.world.carsxe.calls if c.path == "/v2/marketvalue"]
    assert (call.params["mileage"], call.params["condition"]) == ("85000", "clean")


HONDA = "1HGCM82633A004352"
NEW_CAMPAIGN = "24V100000"
RECALL_EVERY = {"RECALL_CHECK_INTERVAL_HOURS": "0.001"}  # 3.6 s; a car is due again after 1.8 s


async def save_car(cluster: Cluster, owner: int, vin: str) -> None:
    """The owner decodes the VIN and presses 💾 Save under the answer."""
    tg = cluster.telegram
    tg.send_text(owner, vin)
    assert [d.status for d in await cluster.deliver()] == [200]
    answer = await tg.wait_for(
        "sendMessage", lambda r: in_chat(owner)(r) and vin in r.params["text"], timeout=SETTLE
    )
    save = next(b for b in buttons(answer) if "Save" in b["text"])
    tg.press_button(owner, answer, save["callback_data"])
    assert [d.status for d in await cluster.deliver()] == [200]
    await tg.wait_for(
        "answerCallbackQuery",
        lambda r: r.params.get("callback_query_id") is not None,
        timeout=SETTLE,
    )


async def poll(condition: Callable[[], bool], what: str) -> None:
    """Wait (bounded) for a condition on the instances' logs, which the fake Telegram never sees."""
    try:
        async with asyncio.timeout(SETTLE):
            while not condition():
                await asyncio.sleep(0.1)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


def baselines(cluster: Cluster) -> set[str]:
    """The VINs whose first recall check (the baseline) was stored, by any instance."""
    return {record["vin"] for _, record in cluster.events("recall_campaigns_stored")}


def runs(cluster: Cluster) -> list[int]:
    """How many recall-job runs (or skips: the other held the lease) each instance finished."""
    numbers = [number for number, _ in cluster.events("recall_alerts_checked")]
    return [numbers.count(number) for number in range(len(cluster.instances))]


def alerts_to(cluster: Cluster, owner: int) -> list[str]:
    """The recall alerts one owner received."""
    return [text for text in cluster.texts_to(owner) if "New recall" in text]


async def test_a_new_recall_campaign_reaches_each_garage_owner_exactly_once(
    cluster: Cluster,
) -> None:
    """Two owners of one car and the owner of another each get one alert while both run the job."""
    tg, nhtsa = cluster.telegram, cluster.world.nhtsa
    await cluster.start(2, **RECALL_EVERY)
    owners = {USER: HONDA, USER + 1: HONDA, USER + 2: honda_vin(701)}
    for owner, vin in owners.items():
        await save_car(cluster, owner, vin)
    await poll(lambda: baselines(cluster) == set(owners.values()), "the baselines")
    assert all(alerts_to(cluster, owner) == [] for owner in owners)

    # NHTSA publishes a campaign for the model; the cached answer is gone (as after its TTL).
    vehicles = {
        (c.params["make"].lower(), c.params["model"].lower(), int(c.params["modelYear"]))
        for c in nhtsa.calls
        if c.path == "/recalls/recallsByVehicle"
    }
    for make, model, year in vehicles:
        nhtsa.recalls[make, model, year] = [
            *default_nhtsa_recalls(make, model, year),
            nhtsa_recall(NEW_CAMPAIGN, make=make.upper(), model=model.upper(), year=year),
        ]
    for key in [key for key in cluster.upstash._data if ":recalls-model:" in key]:
        del cluster.upstash._data[key]

    await tg.wait_until(
        lambda: all(alerts_to(cluster, owner) for owner in owners), SETTLE, "every owner's alert"
    )
    # Both instances go on running the job: two more runs on each send nothing more.
    seen = runs(cluster)
    await poll(
        lambda: all(now >= then + 2 for now, then in zip(runs(cluster), seen, strict=True)),
        "two more recall runs on each instance",
    )
    await cluster.stop()
    for owner in owners:
        (alert,) = alerts_to(cluster, owner)
        assert NEW_CAMPAIGN in alert


async def stored_lookups(cluster: Cluster) -> set[tuple[int, str]]:
    """(user, VIN) for every lookup row in the shared database."""
    connection = await asyncpg.connect(cluster.database_url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch("SELECT user_id, vin FROM lookups")
    finally:
        await connection.close()
    return {(int(row["user_id"]), str(row["vin"])) for row in rows}


async def test_kill_9_loses_no_lookup_a_user_saw_and_the_survivor_shows_it(
    cluster: Cluster,
) -> None:
    """After one instance is killed, every answered lookup is stored and /history shows it."""
    tg = cluster.telegram
    doomed, survivor = await cluster.start(2)
    lookups = {USER + n: honda_vin(800 + n) for n in range(6)}
    for user, vin in lookups.items():
        tg.send_text(user, vin)
    assert [d.status for d in await cluster.deliver()] == [200] * len(lookups)
    await tg.wait_until(
        lambda: all(answered(cluster, user, vin) for user, vin in lookups.items()),
        SETTLE,
        "every lookup answered",
    )
    assert await cluster.webhook_updates_taken(doomed) == len(lookups) // 2
    await cluster.kill(doomed)
    assert set(lookups.items()) <= await stored_lookups(cluster)

    for user in lookups:  # every turn is now the survivor's
        tg.send_text(user, "/history")
    assert [d.status for d in await cluster.deliver()] == [200] * len(lookups)
    await tg.wait_until(
        lambda: all(answered(cluster, user, vin) >= 2 for user, vin in lookups.items()),
        SETTLE,
        "every /history",
    )
    assert await cluster.webhook_updates_taken(survivor) == 2 * len(lookups) - len(lookups) // 2
