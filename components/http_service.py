"""HttpService: a service behind the shared HTTP API — its function, its table
(optional), its integration and its routes (from shop_common.routes); when a route
takes an Idempotency-Key, the service's idempotency table (TTL), which only its
function may use. A route is
JWT-protected unless public; API Gateway may invoke the function for its own
routes only; the function may use only the table actions the service names."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.function import FunctionSettings, service_function
from components.http_api import HttpApi
from components.iam import allow
from components.tables import TableArgs, own_table
from shop_common import idempotency
from shop_common.routes import Access, Route
from shop_common.settings import Env

# What Powertools' DynamoDB persistence layer does with its records.
IDEMPOTENCY_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)


@dataclass
class HttpServiceArgs:
    api: HttpApi
    handler_module: str
    routes: Sequence[Route]
    settings: FunctionSettings
    table: TableArgs | None = None
    deletion_protection: bool = False
    description: str = ""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    policy_statements: Sequence[Mapping[str, Any]] = ()

    def __post_init__(self) -> None:
        strangers = [r.key for r in self.routes if r.service != self.handler_module]
        if strangers:
            raise ValueError(f"{self.handler_module} does not serve {strangers}")


def _slug(route_key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", route_key.lower()).strip("-")


def invoke_source(execution_arn: pulumi.Input[str], route: Route) -> pulumi.Output[str]:
    """The source ARN of API Gateway invoking a route: any stage, this method and path."""
    return pulumi.Output.concat(execution_arn, "/*/", route.method, route.path_with("*"))


class HttpService(pulumi.ComponentResource):
    table: aws.dynamodb.Table | None = None
    function_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: HttpServiceArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("shop:index:HttpService", name, None, opts)
        self.handler_module = args.handler_module
        child = pulumi.ResourceOptions(parent=self)
        # A route that takes an Idempotency-Key needs the service's idempotency table.
        self.idempotency_table = None
        own: dict[str, pulumi.Input[str]] = {}
        granted = []
        if any(route.idempotency_key for route in args.routes):
            self.idempotency_table = own_table(
                f"{name}-idempotency",
                TableArgs(hash_key=idempotency.KEY, ttl_attribute=idempotency.EXPIRES_AT),
                args.deletion_protection,
                self,
            )
            own[Env.IDEMPOTENCY_TABLE_NAME] = self.idempotency_table.name
            granted.append(
                allow(
                    "IdempotencyRecords",
                    IDEMPOTENCY_ACTIONS,
                    self.idempotency_table.arn,
                )
            )
        self.function, self.table = service_function(name, "api", self, args, granted, own)
        self.integration = aws.apigatewayv2.Integration(
            f"{name}-integration",
            api_id=args.api.api_id,
            integration_type="AWS_PROXY",
            integration_uri=self.function.function.invoke_arn,
            payload_format_version="2.0",
            timeout_milliseconds=min(29_000, self.function.timeout_seconds * 1000 + 1000),
            opts=child,
        )
        target = pulumi.Output.concat("integrations/", self.integration.id)
        self.routes = []
        self.permissions = []
        for route in args.routes:
            public = route.access is Access.PUBLIC
            self.routes.append(
                aws.apigatewayv2.Route(
                    f"{name}-route-{_slug(route.key)}",
                    api_id=args.api.api_id,
                    route_key=route.key,
                    target=target,
                    authorization_type="NONE" if public else "JWT",
                    authorizer_id=None if public else args.api.authorizer_id,
                    opts=child,
                )
            )
            self.permissions.append(
                aws.lambda_.Permission(
                    f"{name}-invoke-{_slug(route.key)}",
                    action="lambda:InvokeFunction",
                    function=self.function.function.name,
                    principal="apigateway.amazonaws.com",
                    source_arn=invoke_source(args.api.execution_arn, route),
                    opts=child,
                )
            )

        self.function_name = self.function.function_name
        self.function_arn = self.function.function.arn
        self.register_outputs(
            {
                "table_name": self.table.name if self.table else None,
                "function_name": self.function_name,
            }
        )

    @property
    def table_name(self) -> pulumi.Output[str]:
        return self._own_table().name

    @property
    def table_arn(self) -> pulumi.Output[str]:
        return self._own_table().arn

    def _own_table(self) -> aws.dynamodb.Table:
        if self.table is None:
            raise ValueError("this service has no table")
        return self.table

    def grant_read(self, sid: str, actions: Sequence[str]) -> dict[str, Any]:
        """A statement letting another service read this service's table (never write)."""
        table_arn = self.table_arn
        writes = [
            a
            for a in actions
            if not a.startswith(
                ("dynamodb:Get", "dynamodb:BatchGet", "dynamodb:Query", "dynamodb:Scan")
            )
        ]
        if writes:
            raise ValueError(f"a read grant may not include {writes}")
        return allow(sid, actions, table_arn)
