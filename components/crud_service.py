"""CrudService: a service behind the shared HTTP API — its table (optional), its
function, its integration and routes. Routes are JWT-protected unless public;
the function may only use the table actions the service names."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.function import Function, FunctionArgs, FunctionSettings
from components.http_api import HttpApi
from components.iam import allow


@dataclass(frozen=True)
class TableIndex:
    name: str
    hash_key: str
    range_key: str | None = None


@dataclass
class TableArgs:
    hash_key: str
    range_key: str | None = None
    indexes: Sequence[TableIndex] = ()
    actions: Sequence[str] = (
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
    )


@dataclass(frozen=True)
class Route:
    route_key: str  # "GET /products/{productId}"
    public: bool = False


@dataclass
class CrudServiceArgs:
    api: HttpApi
    handler_module: str
    routes: Sequence[Route]
    settings: FunctionSettings
    table: TableArgs | None = None
    deletion_protection: bool = False
    description: str = ""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    policy_statements: Sequence[Mapping[str, Any]] = ()


def _slug(route_key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", route_key.lower()).strip("-")


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    keys = [{"attribute_name": hash_key, "key_type": "HASH"}]
    return keys + ([{"attribute_name": range_key, "key_type": "RANGE"}] if range_key else [])


class CrudService(pulumi.ComponentResource):
    table: aws.dynamodb.Table | None = None

    def __init__(
        self, name: str, args: CrudServiceArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("shop:index:CrudService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        environment = dict(args.environment)
        statements = list(args.policy_statements)

        if args.table is not None:
            self.table = self._table(name, args.table, args.deletion_protection)
            environment["TABLE_NAME"] = self.table.name
            statements.append(
                allow(
                    "OwnTable",
                    args.table.actions,
                    [self.table.arn, pulumi.Output.concat(self.table.arn, "/index/*")],
                )
            )

        self.function = Function(
            f"{name}-api",
            FunctionArgs(
                handler_module=args.handler_module,
                settings=args.settings,
                description=args.description,
                environment=environment,
                policy_statements=statements,
            ),
            opts=child,
        )
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
        self.routes = [
            aws.apigatewayv2.Route(
                f"{name}-route-{_slug(route.route_key)}",
                api_id=args.api.api_id,
                route_key=route.route_key,
                target=target,
                authorization_type="NONE" if route.public else "JWT",
                authorizer_id=None if route.public else args.api.authorizer_id,
                opts=child,
            )
            for route in args.routes
        ]
        self.permission = aws.lambda_.Permission(
            f"{name}-invoke-permission",
            action="lambda:InvokeFunction",
            function=self.function.function.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(args.api.execution_arn, "/*/*"),
            opts=child,
        )

        self.table_name = self.table.name if self.table else None
        self.table_arn = self.table.arn if self.table else None
        self.register_outputs(
            {"tableName": self.table_name, "functionName": self.function.function_name}
        )

    def _table(self, name: str, table: TableArgs, deletion_protection: bool) -> aws.dynamodb.Table:
        key_names = {table.hash_key, table.range_key} | {
            key for index in table.indexes for key in (index.hash_key, index.range_key)
        }
        return aws.dynamodb.Table(
            f"{name}-table",
            billing_mode="PAY_PER_REQUEST",
            hash_key=table.hash_key,
            range_key=table.range_key,
            attributes=[{"name": key, "type": "S"} for key in sorted(key_names - {None})],
            global_secondary_indexes=[
                {
                    "name": index.name,
                    "key_schemas": _key_schema(index.hash_key, index.range_key),
                    "projection_type": "ALL",
                }
                for index in table.indexes
            ],
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True},
            deletion_protection_enabled=deletion_protection,
            opts=pulumi.ResourceOptions(parent=self),
        )
