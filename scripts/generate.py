"""Render the generated artefacts that are committed next to their sources:

- schemas/events/<DetailType>.json from the events table (shop_common.contracts)
- functions/openapi/openapi.json from the route table (shop_common.routes) and
  the contracts: every route, its access, parameters, body and every status it
  can answer
- the generated block of each GraphQL resolver (appsync/resolvers/*.js): the
  constants its `// uses:` line names, from the contracts and the services'
  tables, and the helpers it names, from appsync/lib.js (AppSync runs each
  resolver as one file, so they are copied in, declared once)

Run `make generate` after changing a route or a contract; tests/test_generated.py
fails while a committed file is out of date.
"""

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

from audit.repository import NARROWING  # noqa: E402
from ordering.repository import USER_INDEX  # noqa: E402
from products.repository import CATEGORY_INDEX  # noqa: E402
from shop_common import contracts, outbox, review_items  # noqa: E402
from shop_common.routes import (  # noqa: E402
    ADMIN_GROUP,
    DEFAULT_PAGE_SIZE,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_HEADER,
    MAX_PAGE_SIZE,
    ROUTES,
    Access,
    Route,
)

EVENT_SCHEMA_DIR = ROOT / "schemas" / "events"
OPENAPI_DOCUMENT = ROOT / "functions" / "openapi" / "openapi.json"
RESOLVER_DIR = ROOT / "appsync" / "resolvers"
RESOLVER_HELPERS = ROOT / "appsync" / "lib.js"
_GENERATED_BLOCK = re.compile(
    r"(// BEGIN generated[^\n]*\n// uses: ([^\n]*)\n).*?(// END generated)", re.DOTALL
)
# A top-level function of lib.js with the comment lines above it.
_HELPER = re.compile(r"((?://[^\n]*\n)*)function (\w+)\(.*?\n}\n", re.DOTALL)
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


def resolver_constants() -> dict[str, Any]:
    """The facts the GraphQL resolvers use, from where each is declared."""
    return {
        "PRODUCT_FIELDS": list(contracts.MODELS["Product"]["properties"]),
        "ORDER_FIELDS": list(contracts.MODELS["Order"]["properties"]),
        "ISSUED_ID": contracts.UUID_PATTERN,
        "CATEGORY": contracts.CATEGORY["pattern"],
        "CATEGORY_INDEX": CATEGORY_INDEX,
        "USER_INDEX": USER_INDEX,
        "DEFAULT_PAGE_SIZE": DEFAULT_PAGE_SIZE,
        "MAX_PAGE_SIZE": MAX_PAGE_SIZE,
        "ADMIN_GROUP": ADMIN_GROUP,
        "TIMELINE": [
            [str(event), attribute] for event, attribute in contracts.ORDER_TIMELINE.items()
        ],
        "AUDIT_EVENT_FIELDS": list(contracts.MODELS["AuditEvent"]["properties"]),
        "AUDIT_NARROWING": [[name, *compared] for name, compared in NARROWING.items()],
        "AUDIT_QUERY": contracts.AUDIT_QUERY,
        "STATUS_AFTER": {
            str(e.detail_type): e.order_status
            for e in contracts.EVENTS.values()
            if e.order_status is not None
        },
        **_review_constants(),
    }


def _review_constants() -> dict[str, Any]:
    """The reviews' rules (contracts), their table's layout (review_items) and the outbox
    item they write their events as (shop_common/outbox.py)."""
    graphql = contracts.GRAPHQL_MODELS
    return {
        "REVIEW_FIELDS": list(graphql["Review"]["properties"]),
        "CASE_FIELDS": list(graphql["Case"]["properties"]),
        "MIN_RATING": contracts.REVIEW_RATING["minimum"],
        "MAX_RATING": contracts.REVIEW_RATING["maximum"],
        "TITLE_MAX_LENGTH": contracts.REVIEW_TITLE["maxLength"],
        "TEXT_MAX_BYTES": contracts.REVIEW_TEXT_MAX_BYTES,
        "RESOLUTION_MAX_LENGTH": contracts.CASE_RESOLUTION["maxLength"],
        "PARTITION_KEY": review_items.PARTITION_KEY,
        "SORT_KEY": review_items.SORT_KEY,
        "REVIEW_ITEM": review_items.REVIEW,
        "CASE_ITEM": review_items.CASE,
        "SUMMARY_ITEM": review_items.SUMMARY,
        "REVIEWER_PREFIX": review_items.REVIEWER_PREFIX,
        "DAY_PREFIX": review_items.DAY_PREFIX,
        "EXPIRES_AT": review_items.EXPIRES_AT,
        "DAY_COUNTER_SECONDS": review_items.DAY_COUNTER_SECONDS,
        "PRODUCT_INDEX": review_items.PRODUCT_INDEX,
        "CASE_STATUS_INDEX": review_items.CASE_STATUS_INDEX,
        "REVIEW_SUBMITTED": str(contracts.DetailType.REVIEW_SUBMITTED),
        "CASE_RESOLVED": str(contracts.DetailType.CASE_RESOLVED),
        "SCHEMA_VERSION": contracts.SCHEMA_VERSION,
        "OUTBOX_KEY": outbox.KEY,
        "OUTBOX_DETAIL_TYPE": outbox.DETAIL_TYPE,
        "OUTBOX_DETAIL": outbox.DETAIL,
        "OUTBOX_EXPIRES_AT": outbox.EXPIRES_AT,
        "OUTBOX_RETENTION_SECONDS": outbox.RETENTION_SECONDS,
    }


def _resolver_block(uses: list[str]) -> str:
    constants = resolver_constants()
    helpers = {
        match.group(2): match.group(0)
        for match in _HELPER.finditer(RESOLVER_HELPERS.read_text(encoding="utf-8"))
    }
    unknown = [name for name in uses if name not in constants and name not in helpers]
    if unknown:
        raise ValueError(f"a resolver uses {unknown}: neither a constant nor in lib.js")
    lines = [
        f"const {name} = {json.dumps(constants[name])};\n" for name in uses if name in constants
    ]
    return "".join(lines + [helpers[name] for name in uses if name in helpers])


def resolver_files() -> dict[Path, str]:
    files = {}
    for path in sorted(RESOLVER_DIR.glob("*.js")):
        text = path.read_text(encoding="utf-8")
        files[path] = _GENERATED_BLOCK.sub(
            lambda m: m.group(1) + _resolver_block(m.group(2).split()) + m.group(3), text
        )
    return files


def artefacts() -> dict[Path, str]:
    files = {EVENT_SCHEMA_DIR / name: text for name, text in event_schemas().items()}
    files[OPENAPI_DOCUMENT] = openapi_document()
    files |= resolver_files()
    return files


def main() -> None:
    for path, text in artefacts().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
