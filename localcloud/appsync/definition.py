"""A GraphQL API as the program created it: read from the Deployment (the resources the
provisioner recorded), as the HTTP gateway reads its routes back from the emulator. moto
stores the API and its schema but not data sources, resolvers or functions, so the
recorded inputs are the only copy of those."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localcloud.provisioning.core import Deployment

API_TYPE = "aws:appsync/graphQLApi:GraphQLApi"
DATA_SOURCE_TYPE = "aws:appsync/dataSource:DataSource"
RESOLVER_TYPE = "aws:appsync/resolver:Resolver"
FUNCTION_TYPE = "aws:appsync/function:Function"
RUNTIME = "APPSYNC_JS"


@dataclass(frozen=True)
class DataSource:
    name: str
    type: str  # AMAZON_DYNAMODB, AWS_LAMBDA, NONE, AMAZON_EVENTBRIDGE
    table_name: str | None = None
    function_arn: str | None = None
    event_bus_arn: str | None = None
    service_role_arn: str | None = None


@dataclass(frozen=True)
class Function:
    id: str
    name: str
    data_source: str
    code: str | None


@dataclass(frozen=True)
class Resolver:
    type: str
    field: str
    kind: str  # UNIT or PIPELINE
    code: str | None
    data_source: str | None = None
    functions: tuple[str, ...] = ()  # PIPELINE: function ids, in order


@dataclass(frozen=True)
class UserPool:
    id: str
    region: str
    default_action: str = "ALLOW"
    app_id_client_regex: str | None = None


@dataclass
class ApiDefinition:
    id: str
    name: str
    sdl: str
    default_mode: str
    additional_modes: tuple[str, ...] = ()
    user_pool: UserPool | None = None
    data_sources: dict[str, DataSource] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    resolvers: dict[tuple[str, str], Resolver] = field(default_factory=dict)
    # The API's own limits on a request (0: AppSync's defaults, which the local AppSync
    # does not impose).
    query_depth_limit: int = 0
    resolver_count_limit: int = 0

    @property
    def modes(self) -> tuple[str, ...]:
        return (self.default_mode, *self.additional_modes)

    @classmethod
    def from_deployment(cls, deployment: Deployment, api_id: str) -> ApiDefinition:
        [api] = [r for r in deployment.of_type(API_TYPE) if r.id == api_id]
        inputs = api.inputs
        pool = inputs.get("userPoolConfig") or None
        definition = cls(
            id=api.id,
            name=str(api.outputs.get("name", api.id)),
            sdl=str(inputs.get("schema") or ""),
            default_mode=str(inputs["authenticationType"]),
            additional_modes=tuple(
                str(p["authenticationType"])
                for p in inputs.get("additionalAuthenticationProviders") or []
            ),
            user_pool=UserPool(
                id=str(pool["userPoolId"]),
                region=str(pool.get("awsRegion") or api.outputs.get("region", "us-east-1")),
                default_action=str(pool.get("defaultAction") or "ALLOW"),
                app_id_client_regex=pool.get("appIdClientRegex"),
            )
            if pool
            else None,
            query_depth_limit=int(inputs.get("queryDepthLimit") or 0),
            resolver_count_limit=int(inputs.get("resolverCountLimit") or 0),
        )
        for resource in deployment.of_type(DATA_SOURCE_TYPE):
            if resource.inputs.get("apiId") == api_id:
                definition.data_sources[resource.inputs["name"]] = _data_source(resource.inputs)
        for resource in deployment.of_type(FUNCTION_TYPE):
            if resource.inputs.get("apiId") == api_id:
                function = Function(
                    id=str(resource.outputs["functionId"]),
                    name=str(resource.inputs["name"]),
                    data_source=str(resource.inputs["dataSource"]),
                    code=resource.inputs.get("code"),
                )
                definition.functions[function.id] = function
        for resource in deployment.of_type(RESOLVER_TYPE):
            if resource.inputs.get("apiId") == api_id:
                resolver = _resolver(resource.inputs)
                definition.resolvers[resolver.type, resolver.field] = resolver
        return definition


def _data_source(inputs: dict[str, Any]) -> DataSource:
    return DataSource(
        name=str(inputs["name"]),
        type=str(inputs["type"]),
        table_name=(inputs.get("dynamodbConfig") or {}).get("tableName"),
        function_arn=(inputs.get("lambdaConfig") or {}).get("functionArn"),
        event_bus_arn=(inputs.get("eventBridgeConfig") or {}).get("eventBusArn"),
        service_role_arn=inputs.get("serviceRoleArn"),
    )


def _resolver(inputs: dict[str, Any]) -> Resolver:
    kind = str(inputs.get("kind") or "UNIT")
    return Resolver(
        type=str(inputs["type"]),
        field=str(inputs["field"]),
        kind=kind,
        code=inputs.get("code"),
        data_source=inputs.get("dataSource"),
        functions=tuple((inputs.get("pipelineConfig") or {}).get("functions") or ()),
    )


def runtime_name(inputs: dict[str, Any]) -> str | None:
    return (inputs.get("runtime") or {}).get("name")
