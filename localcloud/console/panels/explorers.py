"""The API explorer (the OpenAPI document the API serves, rendered by the page, and requests
sent through the console) and the GraphQL explorer (a query posted to the local AppSync with
a pasted token or one minted for a demo user). Requests go through the console's POSTs so the
page talks to its own origin only; they reach only the local API's and AppSync's own URLs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from http.client import HTTPException
from typing import Any

from localcloud.console.panels.base import Context, Panel, Reply, Request, json_reply
from localcloud.tokens import access_token

_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
_TIMEOUT_SECONDS = 30


def config(context: Context, _: Request) -> Reply:
    outputs = context.outputs
    return json_reply(
        {
            "apiUrl": outputs.get("apiUrl"),
            "openapiUrl": outputs.get("openapiUrl"),
            "graphqlUrl": outputs.get("graphqlUrl"),
            "demoUsers": sorted(outputs.get("demoUsers", {})),
        }
    )


def _send(url: str, method: str, body: bytes | None, headers: dict[str, str]) -> dict[str, Any]:
    try:
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 - the local API's own http:// URL
        with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:  # noqa: S310
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode("utf-8", "replace")
    except (ValueError, OSError, HTTPException) as error:  # refused, or no answer
        status, text = 502, json.dumps({"message": f"not sent: {error}"})
    return {"status": status, "body": text}


def openapi(context: Context, _: Request) -> Reply:
    answer = _send(context.outputs["openapiUrl"], "GET", None, {})
    return Reply(answer["status"], answer["body"].encode())


def _authorization(body: dict[str, Any], bearer: bool) -> dict[str, str]:
    token = str(body.get("token") or "").strip()
    if not token or not token.isascii() or not token.isprintable() or " " in token:
        return {}  # not a token: the request goes without one, and the API says 401
    return {"Authorization": f"Bearer {token}" if bearer else token}


def http(context: Context, request: Request) -> Reply:
    body = request.body if isinstance(request.body, dict) else {}
    method, path = str(body.get("method", "")).upper(), str(body.get("path", ""))
    if (
        method not in _METHODS
        or not path.startswith("/")
        or path.startswith("//")
        or any(c.isspace() or not c.isprintable() for c in path)
    ):
        return json_reply({"message": f"method: one of {sorted(_METHODS)}; path: /…"}, 400)
    payload = body.get("body")
    data = None if payload in (None, "") else str(payload).encode()
    headers = {"Content-Type": "application/json"} | _authorization(body, bearer=True)
    return json_reply(_send(context.outputs["apiUrl"].rstrip("/") + path, method, data, headers))


def graphql(context: Context, request: Request) -> Reply:
    body = request.body if isinstance(request.body, dict) else {}
    if not isinstance(body.get("query"), str) or "graphqlUrl" not in context.outputs:
        return json_reply({"message": "query: a GraphQL document"}, 400)
    document = {"query": body["query"], "variables": body.get("variables") or {}}
    headers = {"Content-Type": "application/json"} | _authorization(body, bearer=False)
    return json_reply(
        _send(context.outputs["graphqlUrl"], "POST", json.dumps(document).encode(), headers)
    )


def token(context: Context, request: Request) -> Reply:
    user = (request.body or {}).get("user") if isinstance(request.body, dict) else None
    if not isinstance(user, str) or user not in context.outputs.get("demoUsers", {}):
        return json_reply({"message": "user: one of the demo users"}, 400)
    return json_reply({"user": user, "token": access_token(context.outputs, user)})


PANEL = Panel(
    "explorers",
    "API and GraphQL explorers",
    get={"config": config, "openapi": openapi},
    post={"http": http, "graphql": graphql, "token": token},
)
