"""From a request's target and body to its answer: the table of operations the emulator
serves, and the translation of the simulator's errors into AWS's answers."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ..backends.memory import InMemoryBackend
from ..errors import BackendError, InvalidValueError, RegistrationFsmError, ServiceUnavailableError
from . import _control, _forms, _operations
from ._wire import CONTROL_PREFIX, TARGET_PREFIX, Reply, error_body, parse_body

Operation = Callable[[InMemoryBackend, Mapping[str, Any]], dict[str, Any]]

AWS_OPERATIONS: dict[str, Operation] = {
    "CreateRegistration": _operations.create_registration,
    "CreateRegistrationAssociation": _forms.create_association,
    "CreateRegistrationAttachment": _forms.create_attachment,
    "CreateRegistrationVersion": _operations.create_version,
    "DeleteRegistration": _operations.delete_registration,
    "DeleteRegistrationAttachment": _forms.delete_attachment,
    "DeleteRegistrationFieldValue": _forms.delete_field_value,
    "DescribeRegistrationAttachments": _forms.describe_attachments,
    "DescribeRegistrationFieldDefinitions": _forms.describe_field_definitions,
    "DescribeRegistrationFieldValues": _forms.describe_field_values,
    "DescribeRegistrationSectionDefinitions": _forms.describe_section_definitions,
    "DescribeRegistrationTypeDefinitions": _forms.describe_type_definitions,
    "DescribeRegistrationVersions": _operations.describe_versions,
    "DescribeRegistrations": _operations.describe_registrations,
    "DiscardRegistrationVersion": _operations.discard,
    "ListRegistrationAssociations": _forms.list_associations,
    "PutRegistrationFieldValue": _forms.put_field_value,
    "SubmitRegistrationVersion": _operations.submit,
}
"""The API's operations the emulator serves, under their AWS names."""

CONTROL_OPERATIONS: dict[str, Operation] = {
    "ClearFaults": _control.clear_faults,
    "ClearLogs": _control.clear_logs,
    "ConfigureEvents": _control.configure_events,
    "DrainEvents": _control.drain_events,
    "GetLogs": _control.get_logs,
    "InjectFault": _control.inject_fault,
    "PlayAws": _control.play_aws,
}
"""The emulator's own operations, under ``RegistrationFsmEmulator.``."""

_HANDLERS: dict[str, Operation] = {
    **{TARGET_PREFIX + name: op for name, op in AWS_OPERATIONS.items()},
    **{CONTROL_PREFIX + name: op for name, op in CONTROL_OPERATIONS.items()},
}


def answer(backend: InMemoryBackend, target: str, raw: bytes) -> tuple[int, dict[str, Any]] | None:
    """The status and JSON body for one request, or None when the answer is to be lost."""
    request_id = str(uuid.uuid4())
    try:
        handler = _HANDLERS.get(target)
        if handler is None:
            raise Reply(
                400,
                {
                    "__type": "UnknownOperationException",
                    "Message": f"unknown operation {target!r}; the emulator serves "
                    + ", ".join(h.split(".", 1)[1] for h in _HANDLERS),
                },
            )
        return 200, handler(backend, parse_body(raw))
    except ServiceUnavailableError:
        return None
    except BackendError as exc:
        return error_body(exc, request_id)
    except Reply as reply:
        return reply.status, reply.body
    except InvalidValueError as exc:
        return 400, {"__type": "ValidationException", "Message": str(exc), "Reason": "OTHER"}
    except RegistrationFsmError as exc:
        return 400, {"__type": type(exc).__name__, "Message": str(exc)}
    except Exception as exc:  # a bug in the emulator: report it as AWS reports its own
        print(f"registration-fsm emulator: internal error: {exc!r}", file=sys.stderr)
        return 500, {
            "__type": "InternalServerException",
            "Message": f"emulator error: {exc!r}",
            "RequestId": request_id,
        }
