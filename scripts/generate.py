"""Render the generated artefacts that are committed next to their sources:

- schemas/events/<DetailType>.json from functions/shop_common/contracts.py
- functions/openapi/openapi.json from the Powertools routes of every HTTP function

Run `make generate` after changing a route or a contract; tests/test_generated.py
fails while a committed file is out of date.
"""

import copy
import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer  # noqa: E402

from shop_common import contracts  # noqa: E402
from shop_common.apidoc import (  # noqa: E402
    ERROR_RESPONSES,
    QUERY_EXTENSION,
    REQUEST_BODY_EXTENSION,
    SECURITY_SCHEME,
)
from shop_common.contracts import UUID_PATTERN  # noqa: E402

EVENT_SCHEMA_DIR = ROOT / "schemas" / "events"
OPENAPI_DOCUMENT = ROOT / "functions" / "openapi" / "openapi.json"
HTTP_FUNCTIONS = ("products.api", "basket.api", "ordering.api")
API_TITLE = "shop"
API_VERSION = "1.0.0"
SCHEMA_BASE_URL = "https://shop.example/schemas/events"


def _to_openapi_refs(schema):
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


def event_schemas() -> dict[str, str]:
    files = {}
    for detail_type in contracts.EVENT_TYPES:
        # $id only in the published file: validators would resolve refs against it.
        schema = {"$id": f"{SCHEMA_BASE_URL}/{detail_type}.json"}
        schema |= contracts.event_detail_schema(detail_type)
        files[f"{detail_type}.json"] = json.dumps(schema, indent=2) + "\n"
    return files


def _describe_parameters(operation: dict) -> None:
    """Path parameters are ids the shop issues (anything else is a 404, see
    shop_common.http); query parameters come from the route's x-shop-query."""
    parameters = operation.setdefault("parameters", [])
    for parameter in parameters:
        if parameter["in"] == "path":
            parameter["schema"] = {"type": "string", "pattern": UUID_PATTERN}
            operation["responses"].setdefault("404", ERROR_RESPONSES[404])
    for name, schema in operation.pop(QUERY_EXTENSION, {}).items():
        parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    if not parameters:
        del operation["parameters"]
    operation["responses"] = dict(sorted(operation["responses"].items()))


def openapi_document() -> str:
    paths: dict = {}
    for module_name in HTTP_FUNCTIONS:
        app = importlib.import_module(module_name).app
        schema = app.get_openapi_schema(
            title=API_TITLE,
            version=API_VERSION,
            security_schemes={SECURITY_SCHEME: HTTPBearer(bearerFormat="JWT")},
        ).model_dump(mode="json", by_alias=True, exclude_none=True)
        paths.update(schema["paths"])

    components = {name: copy.deepcopy(model) for name, model in contracts.MODELS.items()}
    for operations in paths.values():
        for operation in operations.values():
            _describe_parameters(operation)
            body = operation.pop(REQUEST_BODY_EXTENSION, None)
            if body is not None:
                components[body["title"]] = body
                operation["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{body['title']}"}
                        }
                    },
                }
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "description": "Serverless e-commerce backend. Bearer tokens are Cognito "
            "access tokens (USER_PASSWORD_AUTH); the `admin` group may manage products.",
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
