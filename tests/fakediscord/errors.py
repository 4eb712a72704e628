"""Discord-style REST errors (``{"code": ..., "message": ...}`` with an HTTP status)."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


class ApiError(Exception):
    """An error answered to the client as ``{"code": ..., "message": ...}`` with an HTTP status."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> Json:
        """The JSON error body."""
        data: Json = {"code": self.code, "message": self.message}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


def missing_permissions() -> ApiError:
    """403 / 50013 Missing Permissions."""
    return ApiError(403, 50013, "Missing Permissions")


def missing_access() -> ApiError:
    """403 / 50001 Missing Access."""
    return ApiError(403, 50001, "Missing Access")


def invalid_form(message: str = "Invalid Form Body", errors: Json | None = None) -> ApiError:
    """400 / 50035 Invalid Form Body."""
    return ApiError(400, 50035, message, errors)
