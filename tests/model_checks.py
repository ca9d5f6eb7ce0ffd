"""Checks of answers against the installed botocore model, shared by the emulator's and the
mock's tests."""

from __future__ import annotations

from typing import Any

from botocore.validate import ParamValidator


def registration_operations(client: Any) -> set[str]:
    """The operations of the client's model whose names contain Registration."""
    model = client.meta.service_model
    return {name for name in model.operation_names if "Registration" in name}


class ModelChecker:
    """Validates every answer a client receives against the operation's model."""

    def __init__(self) -> None:
        self.answered: set[str] = set()
        self.refused: set[str] = set()

    def __call__(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        if "Error" not in body:
            report = ParamValidator().validate(body, model.output_shape)
            assert not report.has_errors(), f"{model.name}: {report.generate_report()}"
            self.answered.add(model.name)
            return
        code = body.pop("Error")["Code"]
        modelled = {e.name: e for e in model.error_shapes}
        assert code in modelled, f"{model.name} raised {code}, which its model does not list"
        body.pop("message", None)
        body.pop("Message", None)
        report = ParamValidator().validate(body, modelled[code])
        assert not report.has_errors(), f"{model.name} {code}: {report.generate_report()}"
        self.refused.add(model.name)
