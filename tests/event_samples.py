"""The documented Registration Status Change event, shared by the event tests."""

from __future__ import annotations

import copy
from typing import Any

RID = "registration-30a1b2c3d4e5f60718293a4b5c6d7e8f"
ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"

# The documented example (AWS's SMS user guide), in EventBridge's envelope.
DOCUMENTED: dict[str, Any] = {
    "version": "0",
    "id": "5b6f1c2e-0000-4000-8000-000000000001",
    "detail-type": "Registration Status Change",
    "source": "aws.sms-voice",
    "account": "111122223333",
    "time": "2025-09-26T17:42:23Z",
    "region": "us-east-1",
    "resources": [ARN],
    "detail": {
        "registrationDetails": {
            "registrationId": RID,
            "registrationVersionNumber": 1,
            "registrationType": "ZZ_LONG_CODE_REGISTRATION",
            "registrationStatusChangeTimestamp": 1758908543000,
            "currentStatus": "SUBMITTED",
        },
        "registrationArn": ARN,
    },
}


def documented() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENTED)
