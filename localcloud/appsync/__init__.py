"""The local AppSync: serves the program's GraphQL API (moto stores an API, its schema and
API keys, and runs nothing).

- definition.py: the API, data sources, functions and resolvers, read from the Deployment
- schema.py: the SDL with AppSync's scalars and directives; auth rules; @aws_subscribe
- js.py, shim.js: APPSYNC_JS in QuickJS, '@aws-appsync/utils' stood in for
- datasources.py: DynamoDB, Lambda (the local workers), NONE, EventBridge
- auth.py: Cognito tokens verified as the gateway verifies them; IAM callers presented
- engine.py: execution, resolvers, errors, publishing to subscriptions
- subscriptions.py: subscribers and their filters
- server.py: the GraphQL endpoint and the real-time WebSocket endpoint, on one port
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localcloud.appsync.definition import API_TYPE, ApiDefinition

if TYPE_CHECKING:
    from localcloud.appsync.datasources import Invoke
    from localcloud.appsync.server import AppSyncServer
    from localcloud.provisioning.core import Deployment
    from localcloud.workers import Console

__all__ = ["API_TYPE", "ApiDefinition", "serve"]


def serve(
    deployment: Deployment,
    host: str,
    port: int,
    *,
    endpoint_url: str,
    region: str,
    dynamodb: Any,
    events: Any,
    invoke: Invoke | None,
    console: Console,
) -> AppSyncServer:
    """The local AppSync for the deployment's GraphQL API, not yet started."""
    from localcloud.appsync.auth import Authenticator, EmulatorCallers  # noqa: PLC0415
    from localcloud.appsync.engine import Engine  # noqa: PLC0415
    from localcloud.appsync.server import AppSyncServer  # noqa: PLC0415

    [api] = deployment.of_type(API_TYPE)
    definition = ApiDefinition.from_deployment(deployment, api.id)
    engine = Engine(definition, dynamodb=dynamodb, events=events, invoke=invoke)
    authenticator = Authenticator(definition, endpoint_url, EmulatorCallers(endpoint_url, region))
    return AppSyncServer(host, port, engine, authenticator, console)
