"""AsyncRegistrationService on one event loop and on two: exactly once, over real HTTP with stock
aiobotocore clients, on SQLite and on a real PostgreSQL server; cancelled tasks are resolved
by reading back; and the journal is the sync service's, entry for entry."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from aio_clients import aio_client

from registration_fsm import (
    AsyncAwsBackend,
    ConflictError,
    InMemoryBackend,
    InvalidTransition,
    OperationInProgress,
    VersionStatus,
)
from registration_fsm.backends import AsyncInMemoryBackend, VersionInfo
from registration_fsm.emulator import Emulator
from registration_fsm.service import AsyncRegistrationService, RegistrationService
from registration_fsm.store import (
    AsyncPostgresStore,
    AsyncSqliteStore,
    SqliteStore,
    open_async_store,
    verify_journal,
)

TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
ROOT = Path(__file__).resolve().parent.parent
CONCURRENT = 1000
REFUSED = (OperationInProgress, InvalidTransition, ConflictError)


def _outcome(result: object) -> str:
    if isinstance(result, VersionStatus):
        return "committed:" + result.value
    assert isinstance(result, REFUSED), repr(result)
    return type(result).__name__


async def _race(service: AsyncRegistrationService, rids: Sequence[str]) -> Counter[str]:
    """Two concurrent submits of every registration, all at once on this loop."""
    tasks = [service.submit(rid) for rid in rids] + [service.submit(rid) for rid in rids[::-1]]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return Counter(_outcome(result) for result in results)


async def _check_exactly_once(
    service: AsyncRegistrationService, emulator: Emulator, rids: Sequence[str]
) -> None:
    sent = Counter(rid for operation, rid in emulator.backend.calls if operation == "submit")
    applied = Counter(rid for trigger, rid, _ in emulator.backend.applied if trigger == "submit")
    for rid in rids:
        assert (sent[rid], applied[rid]) == (1, 1), rid
        stored = await service.get(rid)
        assert stored.latest.status is VersionStatus.SUBMITTED
        journal = await service.journal(rid)
        assert [entry.trigger for entry in journal].count("submit") == 1
        assert verify_journal(journal, stored).ok
        assert await service.intents(rid) == ()


def test_a_thousand_concurrent_submits_on_one_event_loop(
    tmp_path: Path, emulator: Emulator
) -> None:
    async def main() -> Counter[str]:
        async with (
            AsyncSqliteStore(tmp_path / "registrations.db") as store,
            aio_client(emulator.endpoint_url, pool=50) as client,
        ):
            service = AsyncRegistrationService(store, AsyncAwsBackend(client), worker_id="loop")
            created = await asyncio.gather(*(service.create(TYPE) for _ in range(CONCURRENT)))
            rids = [registration.registration_id for registration in created]
            assert len(set(rids)) == CONCURRENT
            tally = await _race(service, rids)
            await _check_exactly_once(service, emulator, rids)
            return tally

    tally = asyncio.run(main())
    assert tally["committed:SUBMITTED"] == CONCURRENT
    assert sum(tally.values()) == 2 * CONCURRENT
    print(f"\n{2 * CONCURRENT} submits of {CONCURRENT} registrations on one loop: {dict(tally)}")


_WORKER = r"""
import asyncio, json, sys
from aiobotocore.session import AioSession
from botocore.config import Config
from registration_fsm import AsyncAwsBackend, ConflictError, InvalidTransition, OperationInProgress
from registration_fsm.service import AsyncRegistrationService
from registration_fsm.store import open_async_store

url, endpoint, name, order = sys.argv[1:5]
ids = json.loads(open(order, encoding="utf-8").read())

async def submit(service, rid):
    try:
        return "committed:" + (await service.submit(rid)).value
    except InvalidTransition:
        # Refused locally: the store already holds the other loop's committed submit.
        return "committed:" + (await service.get(rid)).latest.status.value
    except (OperationInProgress, ConflictError) as error:
        return type(error).__name__

async def main():
    session = AioSession()
    session.set_credentials("testing", "testing")
    config = Config(retries={"mode": "standard", "total_max_attempts": 3}, max_pool_connections=20)
    async with session.create_client(
        "pinpoint-sms-voice-v2", region_name="us-east-1", endpoint_url=endpoint, config=config
    ) as client:
        async with open_async_store(url) as store:
            service = AsyncRegistrationService(store, AsyncAwsBackend(client), worker_id=name)
            results = await asyncio.gather(*(submit(service, rid) for rid in ids))
    print(json.dumps(dict(zip(ids, results))))

asyncio.run(main())
"""


def test_two_event_loops_in_two_processes_on_one_store(tmp_path: Path, emulator: Emulator) -> None:
    url = f"sqlite:///{tmp_path / 'registrations.db'}"
    count = 300

    async def setup() -> list[str]:
        async with (
            open_async_store(url) as store,
            aio_client(emulator.endpoint_url, pool=50) as client,
        ):
            service = AsyncRegistrationService(store, AsyncAwsBackend(client), worker_id="setup")
            created = await asyncio.gather(*(service.create(TYPE) for _ in range(count)))
            return [registration.registration_id for registration in created]

    rids = asyncio.run(setup())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = []
    for number in range(2):
        order = tmp_path / f"order-{number}.json"
        order.write_text(json.dumps(rids if number == 0 else rids[::-1]), encoding="utf-8")
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _WORKER,
                    url,
                    emulator.endpoint_url,
                    f"p{number}",
                    str(order),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    results = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        results.append(json.loads(out))

    async def check() -> None:
        async with (
            open_async_store(url) as store,
            aio_client(emulator.endpoint_url, pool=50) as client,
        ):
            service = AsyncRegistrationService(store, AsyncAwsBackend(client), worker_id="check")
            await _check_exactly_once(service, emulator, rids)

    asyncio.run(check())
    for rid in rids:
        outcomes = {result[rid] for result in results}
        assert "committed:SUBMITTED" in outcomes
        assert outcomes <= {"committed:SUBMITTED", "OperationInProgress"}, outcomes
    tally = Counter(outcome for result in results for outcome in result.values())
    print(f"\n2 loops in 2 processes x {count} registrations: {dict(tally)}")


@pytest.mark.usefixtures("postgres_server")
def test_concurrent_submits_on_postgresql(postgres_dsn: str) -> None:
    async def main() -> None:
        simulator = InMemoryBackend()
        async with AsyncPostgresStore(postgres_dsn) as store:
            service = AsyncRegistrationService(store, AsyncInMemoryBackend(simulator))
            created = await asyncio.gather(*(service.create(TYPE) for _ in range(100)))
            rids = [registration.registration_id for registration in created]
            tally = await _race(service, rids)
            assert tally["committed:SUBMITTED"] == 100
            sent = Counter(rid for operation, rid in simulator.calls if operation == "submit")
            for rid in rids:
                assert sent[rid] == 1
                stored = await service.get(rid)
                assert verify_journal(await service.journal(rid), stored).ok
            assert await store.schema_version() >= 1

    asyncio.run(main())


class SlowAnswers(AsyncInMemoryBackend):
    """The simulator applies a submit at once; its answer then takes a minute to arrive."""

    async def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        answer = self.simulator.submit(registration_id, aws_review=aws_review)
        await asyncio.sleep(60)
        return answer


def test_a_task_cancelled_mid_call_is_resolved_by_reading_back() -> None:
    now = [datetime(2026, 3, 1, tzinfo=timezone.utc)]

    def clock() -> datetime:
        return now[0]

    async def main() -> None:
        simulator = InMemoryBackend()
        async with AsyncSqliteStore(":memory:", clock=clock) as store:
            slow = AsyncRegistrationService(store, SlowAnswers(simulator), clock=clock)
            rid = (await slow.create(TYPE)).registration_id
            task = asyncio.ensure_future(slow.submit(rid))
            while not simulator.applied or simulator.applied[-1][0] != "submit":
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The call may have landed: the intent stays, and nobody may send it again.
            other = AsyncRegistrationService(store, AsyncInMemoryBackend(simulator), clock=clock)
            with pytest.raises(OperationInProgress):
                await other.submit(rid)
            now[0] += timedelta(hours=1)
            assert await other.recover() == [rid]
            assert (await other.get(rid)).latest.status is VersionStatus.SUBMITTED
            assert [t for t, r, _ in simulator.applied if r == rid].count("submit") == 1
            assert [entry.source.value for entry in await other.journal(rid)] == [
                "answer",
                "reconcile",
            ]

    asyncio.run(main())


def test_the_async_journal_is_the_sync_journal_entry_for_entry() -> None:
    """The same operations, clocks and simulator ids through both services: the same
    journal, hashes included, because the decisions and the entries come from one core."""

    def scenario_clock() -> Any:
        moment = [datetime(2026, 3, 1, tzinfo=timezone.utc)]

        def tick() -> datetime:
            moment[0] += timedelta(seconds=1)
            return moment[0]

        return tick

    def sync_run() -> list[Any]:
        clock = scenario_clock()
        simulator = InMemoryBackend(clock=clock)
        service = RegistrationService(
            SqliteStore(":memory:", clock=clock), simulator, worker_id="w", clock=clock
        )
        rid = service.create(TYPE).registration_id
        service.submit(rid)
        simulator.play_aws(rid, "begin_review")
        simulator.play_aws(rid, "deny")
        service.reconcile(rid)
        service.create_version(rid)
        service.discard(rid)
        return list(service.journal(rid))

    async def async_run() -> list[Any]:
        clock = scenario_clock()
        simulator = InMemoryBackend(clock=clock)
        async with AsyncSqliteStore(":memory:", clock=clock) as store:
            service = AsyncRegistrationService(
                store, AsyncInMemoryBackend(simulator), worker_id="w", clock=clock
            )
            rid = (await service.create(TYPE)).registration_id
            await service.submit(rid)
            simulator.play_aws(rid, "begin_review")
            simulator.play_aws(rid, "deny")
            await service.reconcile(rid)
            await service.create_version(rid)
            await service.discard(rid)
            return list(await service.journal(rid))

    expected = sync_run()
    assert [e.trigger for e in expected] == [
        "create",
        "submit",
        "begin_review",
        "deny",
        "create",
        "discard",
    ]
    assert asyncio.run(async_run()) == expected


def test_the_async_service_tells_its_listeners_each_committed_move() -> None:
    async def main() -> None:
        simulator = InMemoryBackend()
        async with AsyncSqliteStore(":memory:") as store:
            service = AsyncRegistrationService(store, AsyncInMemoryBackend(simulator))
            heard: list[Any] = []
            decided: list[Any] = []
            service.subscribe(heard.append)
            service.subscribe(decided.append, statuses=["DENIED"])
            rid = (await service.create(TYPE)).registration_id
            await service.submit(rid)
            simulator.play_aws(rid, "deny")
            await service.reconcile(rid)
            edges = [(e.version_number, e.edge, e.to_status.value, e.source) for e in heard]
            assert edges == [
                (1, "create", "DRAFT", "answer"),
                (1, "submit", "SUBMITTED", "answer"),
                (1, "deny", "DENIED", "reconcile"),
            ]
            assert [e.edge for e in decided] == ["deny"]
            journal = await service.journal(rid)
            assert [(e.trigger, e.source.value) for e in journal] == [
                (edge, source) for _, edge, _, source in edges
            ]

    asyncio.run(main())
