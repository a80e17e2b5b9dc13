"""The one error model: what services raise, and the status and body each becomes.

Services raise these (never return None for "not found"); the resolver that
every HTTP function shares (shop_common.http) turns any of them into the one
error body: {"message": str, "errors"?: [{"field", "message"}]}, and the GraphQL
API's (shop_common.appsync) into an AppSync error whose errorType is `kind`.
"""

from dataclasses import dataclass
from typing import ClassVar

from shop_common.models import ErrorBody


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ShopError(Exception):
    """A request the shop refuses, or cannot complete now; `status` is its HTTP status."""

    status: ClassVar[int] = 500
    # The GraphQL API's errorType: the name of the class that declares the status
    # (BasketLocked is a Conflict).
    kind: ClassVar[str] = "InternalError"

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if "status" in cls.__dict__:
            cls.kind = cls.__name__

    def __init__(self, message: str, errors: tuple[FieldError, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors

    def body(self) -> ErrorBody:
        body: ErrorBody = {"message": self.message}
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return body


class BadRequest(ShopError):
    """Malformed: a body that is not JSON, a page token this API did not issue."""

    status = 400


class Unauthorized(ShopError):
    status = 401


class Forbidden(ShopError):
    status = 403


class NotFound(ShopError):
    status = 404


class Conflict(ShopError):
    """The request is valid but the resource's current state refuses it."""

    status = 409


class Invalid(ShopError):
    """Well-formed input that breaks a rule of the contract; names the field."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"Invalid request: {field} {message}", (FieldError(field, message),))
        self.field = field
        self.problem = message


class TooManyRequests(ShopError):
    """The caller did this too often for now. No Lambda raises it today: the GraphQL
    reviews' daily limit (appsync/resolvers/writeReview.js) answers with its kind."""

    status = 429


class Unavailable(ShopError):
    """A dependency failed after the request was accepted; retrying is safe."""

    status = 503


def bad_field(field: str, message: str) -> BadRequest:
    """A malformed field (e.g. nextToken), named like a validation error."""
    return BadRequest(f"{field} {message}", (FieldError(field, message),))
