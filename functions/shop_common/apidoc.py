"""OpenAPI metadata for routes, as plain dicts: nothing here is imported at run time
beyond this module. scripts/generate.py turns it into the served document.

The document is what clients and the fuzzing tests rely on, so it declares every
status a route can answer: 401 unless public, 400 and 422 where there is input,
404 wherever a path names a resource (generate.py adds it), and the route's own."""

from typing import Any

SECURITY_SCHEME = "cognitoJwt"
REQUEST_BODY_EXTENSION = "x-shop-request-body"
QUERY_EXTENSION = "x-shop-query"

_ERRORS = {
    400: "Malformed request (a body that is not JSON, or a nextToken this API did not issue)",
    401: "Missing or invalid bearer token",
    403: "The caller is not allowed to do this",
    404: "Not found",
    409: "Conflicts with the current state of the resource",
    422: "Invalid input; `errors` names the offending fields",
    503: "A downstream service is unavailable; retrying is safe",
}


def _json(schema_name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


ERROR_RESPONSES = {
    code: {"description": description, "content": _json("Error")}
    for code, description in _ERRORS.items()
}


def operation(
    summary: str,
    *,
    tag: str,
    status: int = 200,
    response: str | None = None,
    errors: tuple[int, ...] = (),
    body: dict | None = None,
    query: dict[str, dict] | None = None,
    headers: dict[str, str] | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for a Powertools route decorator. `query` maps each query
    parameter to the schema of its values; `headers` names the response headers."""
    ok: dict[str, Any] = {"description": summary}
    if response:
        ok["content"] = _json(response)
    if headers:
        ok["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    codes = (
        set(errors)
        | ({400, 422} if body else set())
        | ({422} if query else set())
        | (set() if public else {401})
    )
    responses = {status: ok} | {code: ERROR_RESPONSES[code] for code in sorted(codes)}
    kwargs: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if not public:
        kwargs["security"] = [{SECURITY_SCHEME: []}]
    extensions = {REQUEST_BODY_EXTENSION: body, QUERY_EXTENSION: query}
    if body or query:
        kwargs["openapi_extensions"] = {k: v for k, v in extensions.items() if v}
    return kwargs
