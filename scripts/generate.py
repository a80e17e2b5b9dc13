"""Render the generated artefacts that are committed next to their sources:

- schemas/events/<DetailType>.json from the events table (shop_common.contracts)
- functions/openapi/openapi.json from the route table (shop_common.routes) and
  the contracts: every route, its access, parameters, body and every status it
  can answer

Run `make generate` after changing a route or a contract; tests/test_generated.py
fails while a committed file is out of date.
"""

import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

from shop_common import contracts  # noqa: E402
from shop_common.routes import (  # noqa: E402
    ADMIN_GROUP,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_HEADER,
    ROUTES,
    Access,
    Route,
)

EVENT_SCHEMA_DIR = ROOT / "schemas" / "events"
OPENAPI_DOCUMENT = ROOT / "functions" / "openapi" / "openapi.json"
API_TITLE = "shop"
API_VERSION = "1.0.0"
SCHEMA_BASE_URL = "https://shop.example/schemas/events"
SECURITY_SCHEME = "cognitoJwt"
ERRORS = {
    400: "Malformed request (a body that is not JSON, or a nextToken this API did not issue)",
    401: "Missing or invalid bearer token",
    403: f"Only members of the {ADMIN_GROUP} group may do this",
    404: "Not found (also: a path id the shop could not have issued)",
    409: "Conflicts with the current state of the resource",
    422: "Invalid input; `errors` names the offending fields",
    503: "A downstream service is unavailable; retrying is safe",
}


def _to_openapi_refs(schema: Any) -> Any:
    """JSON Schema draft-07 refs (#/definitions/X) to OpenAPI's (#/components/schemas/X)."""
    if isinstance(schema, dict):
        return {
            key: (
                value.replace("#/definitions/", "#/components/schemas/")
                if key == "$ref"
                else _to_openapi_refs(value)
            )
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_to_openapi_refs(item) for item in schema]
    return schema


def _json(schema_name: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}}


def event_schemas() -> dict[str, str]:
    files = {}
    for detail_type in contracts.EVENTS:
        # $id only in the published file: validators would resolve refs against it.
        schema = {"$id": f"{SCHEMA_BASE_URL}/{detail_type}.json"}
        schema |= contracts.event_detail_schema(detail_type)
        files[f"{detail_type}.json"] = json.dumps(schema, indent=2) + "\n"
    return files


def _operation(route: Route) -> dict[str, Any]:
    success: dict[str, Any] = {"description": route.summary}
    if route.response:
        success["content"] = _json(route.response)
    if route.headers:
        success["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in route.headers.items()
        }
    responses = {
        str(code): success
        if code == route.status
        else {"description": ERRORS[code], "content": _json("Error")}
        for code in route.statuses
    }
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": contracts.UUID_PATTERN},
        }
        for name in route.parameters
    ] + [
        {
            "name": name,
            "in": "query",
            "required": name in route.required_query,
            "schema": dict(schema),
        }
        for name, schema in route.query.items()
    ]
    if route.idempotency_key:
        key = dict(IDEMPOTENCY_KEY)
        parameters.append(
            {
                "name": IDEMPOTENCY_KEY_HEADER,
                "in": "header",
                "required": False,
                "description": key.pop("description"),
                "schema": key,
            }
        )
    operation: dict[str, Any] = {
        "tags": [route.service.split(".")[0]],
        "summary": route.summary,
        "operationId": route.operation,
    }
    if parameters:
        operation["parameters"] = parameters
    if route.body:
        operation["requestBody"] = {"required": True, "content": _json(route.body["title"])}
    operation["responses"] = responses
    if route.access is not Access.PUBLIC:
        operation["security"] = [{SECURITY_SCHEME: []}]
    return operation


def openapi_document() -> str:
    paths: dict[str, dict[str, Any]] = {}
    components = {name: copy.deepcopy(model) for name, model in contracts.MODELS.items()}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
        if route.body:
            components[route.body["title"]] = copy.deepcopy(dict(route.body))
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "description": "Serverless e-commerce backend. Bearer tokens are Cognito "
            f"access tokens (USER_PASSWORD_AUTH); the `{ADMIN_GROUP}` group may manage "
            "products and read every customer's orders.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": _to_openapi_refs(dict(sorted(components.items()))),
            "securitySchemes": {
                SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
    return json.dumps(document, indent=2) + "\n"


def artefacts() -> dict[Path, str]:
    files = {EVENT_SCHEMA_DIR / name: text for name, text in event_schemas().items()}
    files[OPENAPI_DOCUMENT] = openapi_document()
    return files


def main() -> None:
    for path, text in artefacts().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
