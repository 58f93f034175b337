"""One ErrorCode enum: each code maps to an HTTP status and an OpenAI error type, and is reused as
the ``code`` metric label. Messages never carry request content."""

from __future__ import annotations

import enum
from typing import Any

from aiohttp import web


class ErrorCode(enum.StrEnum):
    invalid_api_key = "invalid_api_key"
    invalid_request = "invalid_request_error"
    unsupported_input = "unsupported_input"
    unsupported_content_encoding = "unsupported_content_encoding"
    not_found = "not_found"
    method_not_allowed = "method_not_allowed"
    payload_too_large = "payload_too_large"
    string_above_max_length = "string_above_max_length"
    policy_denied = "policy_denied"
    model_not_allowed = "model_not_allowed"
    detection_failed = "detection_failed"
    policy_unavailable = "policy_unavailable"
    transform_failed = "transform_failed"
    audit_unavailable = "audit_unavailable"
    local_backend_unavailable = "local_backend_unavailable"
    external_backend_unavailable = "external_backend_unavailable"
    upstream_error = "upstream_error"
    internal_error = "internal_error"


_STATUS: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.invalid_api_key: (401, "authentication_error"),
    ErrorCode.invalid_request: (400, "invalid_request_error"),
    ErrorCode.unsupported_input: (400, "invalid_request_error"),
    ErrorCode.unsupported_content_encoding: (415, "invalid_request_error"),
    ErrorCode.not_found: (404, "invalid_request_error"),
    ErrorCode.method_not_allowed: (405, "invalid_request_error"),
    ErrorCode.payload_too_large: (413, "invalid_request_error"),
    ErrorCode.string_above_max_length: (400, "invalid_request_error"),
    ErrorCode.policy_denied: (403, "permission_error"),
    ErrorCode.model_not_allowed: (403, "permission_error"),
    ErrorCode.detection_failed: (503, "service_unavailable"),
    ErrorCode.policy_unavailable: (503, "service_unavailable"),
    ErrorCode.transform_failed: (500, "server_error"),
    ErrorCode.audit_unavailable: (503, "service_unavailable"),
    ErrorCode.local_backend_unavailable: (503, "service_unavailable"),
    ErrorCode.external_backend_unavailable: (502, "server_error"),
    ErrorCode.upstream_error: (502, "server_error"),
    ErrorCode.internal_error: (500, "server_error"),
}


class ProxyError(Exception):
    """An error that ends a request with an OpenAI-shaped body.

    ``message`` is shown to the client and logged: it must never contain request content.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        param: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param
        self.status = status or _STATUS[code][0]

    @property
    def type(self) -> str:
        return _STATUS[self.code][1]

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.code.value, self.param)

    def response(self, headers: dict[str, str] | None = None) -> web.Response:
        return web.json_response(self.body(), status=self.status, headers=headers)


def error_body(
    message: str, type_: str, code: str | None, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}
