"""Eight OS processes submit every one of 100 registrations through one store: exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from registration_fsm import AwsBackend, VersionStatus
from registration_fsm.service import RegistrationService
from registration_fsm.store import open_store, verify_journal

PROCESSES = 8
REGISTRATIONS = 100
ROOT = Path(__file__).resolve().parent.parent

_WORKER = r"""
import json, sys
import boto3
from botocore.config import Config
from registration_fsm import AwsBackend, ConflictError, InvalidTransition, OperationInProgress
from registration_fsm.service import RegistrationService
from registration_fsm.store import open_store

url, endpoint, name, order = sys.argv[1:5]
ids = json.loads(open(order, encoding="utf-8").read())
client = boto3.Session(
    aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
).client(
    "pinpoint-sms-voice-v2",
    endpoint_url=endpoint,
    config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
)
store = open_store(url)
service = RegistrationService(store, AwsBackend(client), worker_id=name)
outcomes = {}
for rid in ids:
    try:
        outcomes[rid] = "committed:" + service.submit(rid).value
    except InvalidTransition:
        # Refused locally: the store already holds the committed submit of another worker.
        outcomes[rid] = "committed:" + service.get(rid).latest.status.value
    except OperationInProgress:
        outcomes[rid] = "in_progress"
    except ConflictError:
        outcomes[rid] = "conflict"
store.close()
print(json.dumps(outcomes))
"""


def _race(url: str, emulator: Any, make_client: Any, folder: Path) -> None:
    store = open_store(url)
    setup = RegistrationService(store, AwsBackend(make_client()), worker_id="setup")
    ids = [
        setup.create("US_TEN_DLC_BRAND_REGISTRATION").registration_id for _ in range(REGISTRATIONS)
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    workers = []
    for number in range(PROCESSES):
        order = folder / f"order-{number}.json"
        # Half of them race from the other end of the list.
        order.write_text(json.dumps(ids if number % 2 == 0 else ids[::-1]), encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-c", _WORKER, url, emulator.endpoint_url, f"p{number}", str(order)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        workers.append(process)
    results = []
    for process in workers:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    applied = Counter(
        (rid, number) for trigger, rid, number in emulator.backend.applied if trigger == "submit"
    )
    sent = Counter(rid for operation, rid in emulator.backend.calls if operation == "submit")
    for rid in ids:
        assert applied[(rid, 1)] == 1, rid
        assert sent[rid] == 1, rid  # never a second call to AWS, not even a refused one
        outcomes = {result[rid] for result in results}
        assert outcomes <= {"committed:SUBMITTED", "in_progress"}, outcomes
        assert "committed:SUBMITTED" in outcomes
        journal = store.journal(rid)
        assert [e.trigger for e in journal].count("submit") == 1
        assert verify_journal(journal, store.load(rid).registration).ok
        assert store.load(rid).registration.latest.status is VersionStatus.SUBMITTED
    tally = Counter(outcome for result in results for outcome in result.values())
    print(f"{PROCESSES} processes x {REGISTRATIONS} registrations: {dict(tally)}")
    store.close()


def test_eight_processes_on_one_sqlite_file(
    tmp_path: Path, emulator: Any, make_client: Any
) -> None:
    _race(f"sqlite:///{tmp_path / 'registrations.db'}", emulator, make_client, tmp_path)


@pytest.mark.usefixtures("postgres_server")
def test_eight_processes_on_one_postgresql_database(
    postgres_dsn: str, emulator: Any, make_client: Any, tmp_path: Path
) -> None:
    parts = dict(item.split("=", 1) for item in postgres_dsn.split())
    url = (
        f"postgresql://{parts['user']}@/{parts['dbname']}"
        f"?host={parts['host']}&port={parts['port']}"
    )
    _race(url, emulator, make_client, tmp_path)
