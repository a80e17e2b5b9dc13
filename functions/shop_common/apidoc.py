"""OpenAPI metadata for routes, as plain dicts: nothing here is imported at run time
beyond this module. scripts/openapi.py turns it into the served document."""

from typing import Any

SECURITY_SCHEME = "cognitoJwt"
REQUEST_BODY_EXTENSION = "x-shop-request-body"

_ERRORS = {
    400: "Malformed request (not JSON, or an unknown nextToken)",
    401: "Missing or invalid bearer token",
    403: "The caller is not allowed to do this",
    404: "Not found",
    409: "Conflicts with the current state of the resource",
    422: "Invalid input; `errors` names the offending fields",
    503: "A downstream service is unavailable; retrying is safe",
}


def _json(schema_name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def operation(
    summary: str,
    *,
    tag: str,
    status: int = 200,
    response: str | None = None,
    errors: tuple[int, ...] = (),
    body: dict | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for a Powertools route decorator."""
    ok: dict[str, Any] = {"description": summary}
    if response:
        ok["content"] = _json(response)
    codes = set(errors) | ({422} if body else set()) | (set() if public else {401})
    responses = {status: ok} | {
        code: {"description": _ERRORS[code], "content": _json("Error")} for code in sorted(codes)
    }
    kwargs: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if not public:
        kwargs["security"] = [{SECURITY_SCHEME: []}]
    if body:
        kwargs["openapi_extensions"] = {REQUEST_BODY_EXTENSION: body}
    return kwargs
