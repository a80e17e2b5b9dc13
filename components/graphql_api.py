"""GraphqlApi: the shop's second front door, an AWS AppSync GraphQL API over the same
services as the HTTP API (docs/architecture.md#the-graphql-api).

- The schema is appsync/schema.graphql, deployed as is. Auth: the Cognito user pool
  (the HTTP API's pool and groups) by default, AWS_IAM for the system's own mutation.
- Resolvers are APPSYNC_JS (appsync/resolvers/), one per field of the fields table
  (shop_common.graphql_fields): pure reads over a service's table through a read-only
  data source role; business rules in the service's own Lambda function; the
  system's mutation and the subscriptions with no data source. A field with a pipeline
  runs its functions (appsync/resolvers/ too, one AppSync function per file) in order,
  each on its own data source: the reviews, over the reviews table (read-write: its
  transactions, and their events in the reviews outbox) and the products table.
- AppSync resolvers have no environment variables in this provider: values that differ
  per stack (a table's name, a limit) are written into each resolver's "stack settings"
  block when it is deployed (`settings`; fill_settings).
- Live order status without Lambda: a rule on the order events (its pattern from the
  events table) targets the API and calls the IAM-only mutation publishOrderStatus,
  which triggers the subscriptions. The target has its DLQ and retry policy, and its
  role may call that one field and nothing else.
- Field logging, X-Ray and caching are off by default (there is no cache resource);
  turning field logging on gives AppSync a role that may write its own log groups.
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components import ROOT
from components.event_bus import EventBus
from components.iam import allow, assume_role_policy_for, policy_document
from components.pipeline import pipeline_options
from components.queues import guarded_target
from shop_common.graphql_fields import PUBLISH_ORDER_STATUS, DataSource, Field, Step

APPSYNC_DIR = ROOT / "appsync"
SCHEMA_FILE = APPSYNC_DIR / "schema.graphql"
RESOLVER_DIR = APPSYNC_DIR / "resolvers"
JS_RUNTIME: aws.appsync.ResolverRuntimeArgsDict = {"name": "APPSYNC_JS", "runtime_version": "1.0.0"}
FIELD_LOG_LEVELS = ("NONE", "ERROR", "INFO", "DEBUG", "ALL")
# Above what any client of the schema needs (a query nests at most 4 deep, and only root
# fields have resolvers): cheap guards against one request doing the work of thousands.
QUERY_DEPTH_LIMIT = 8
RESOLVER_COUNT_LIMIT = 10
APPSYNC = "appsync.amazonaws.com"
# What the order-status rule passes from each event to publishOrderStatus: each
# argument's path in the event, and its type in the schema (tests/infra/test_graphql.py).
STATUS_VARIABLES = {
    "orderId": ("$.detail.data.orderId", "ID!"),
    "userId": ("$.detail.data.userId", "ID!"),
    "event": ("$.detail-type", "String!"),
    "at": ("$.time", "AWSDateTime!"),
    "eventId": ("$.detail.metadata.eventId", "ID!"),
}


# A resolver's stack settings: the names it needs, which the deployed code declares.
_SETTINGS_BLOCK = re.compile(
    r"(// BEGIN stack settings[^\n]*\n// settings: ([^\n]*)\n)(.*?)(// END stack settings)",
    re.DOTALL,
)


def read_sources() -> tuple[str, dict[str, str]]:
    """The schema and every resolver file's code, as committed."""
    code = {path.name: path.read_text(encoding="utf-8") for path in RESOLVER_DIR.glob("*.js")}
    return SCHEMA_FILE.read_text(encoding="utf-8"), code


def publish_operation(mutation: Field) -> str:
    """The GraphQL operation the rule sends. It selects every field subscribers filter on
    and receive: AppSync pushes only what the mutation selected."""
    variables = ", ".join(f"${name}: {kind}" for name, (_, kind) in STATUS_VARIABLES.items())
    arguments = ", ".join(f"{name}: ${name}" for name in STATUS_VARIABLES)
    return (
        f"mutation PublishOrderStatus({variables}) "
        f"{{ {mutation.name}({arguments}) {{ orderId userId status event at eventId }} }}"
    )


def fill_settings(code: str, settings: Mapping[str, Any]) -> str:
    """The code with its stack settings block declaring each name it lists, with this
    stack's value (JSON). A name the stack does not give is an error."""

    def declare(match: re.Match[str]) -> str:
        names = match.group(2).split()
        missing = [name for name in names if name not in settings]
        if missing:
            raise ValueError(f"no stack setting {missing} for a resolver")
        values = "".join(f"const {name} = {json.dumps(settings[name])};\n" for name in names)
        return match.group(1) + values + match.group(4)

    return _SETTINGS_BLOCK.sub(declare, code)


def setting_names(code: str) -> list[str]:
    return [name for match in _SETTINGS_BLOCK.finditer(code) for name in match.group(2).split()]


@dataclass
class TableSource:
    """A service's table, read through AppSync: exactly the reads its resolvers make."""

    name: pulumi.Input[str]
    arn: pulumi.Input[str]
    item_reads: Sequence[str]  # on the table, e.g. dynamodb:GetItem (Query: of the table)
    queried_indexes: Sequence[str] = ()  # index names the resolvers Query

    def __post_init__(self) -> None:
        reads = ("dynamodb:Get", "dynamodb:Scan", "dynamodb:Query")
        writes = [a for a in self.item_reads if not a.startswith(reads)]
        if writes:
            raise ValueError(f"a table data source only reads: not {writes}")

    def statements(self) -> list[Mapping[str, Any]]:
        statements: list[Mapping[str, Any]] = [allow("ReadItems", self.item_reads, self.arn)]
        if self.queried_indexes:
            indexes = [
                pulumi.Output.concat(self.arn, f"/index/{index}") for index in self.queried_indexes
            ]
            statements.append(allow("QueryIndexes", ["dynamodb:Query"], indexes))
        return statements


@dataclass
class OwnTableSource(TableSource):
    """A table the API's own resolvers keep (the reviews'): its reads, the item writes its
    resolvers and their transactions make, and those `outbox_writes` (its outbox's put).
    Another service's table is never one: that is read through a TableSource."""

    item_writes: Sequence[str] = ()
    outbox_writes: Sequence[Mapping[str, Any]] = ()

    def statements(self) -> list[Mapping[str, Any]]:
        return [
            *super().statements(),
            allow("WriteOwnItems", self.item_writes, self.arn),
            *self.outbox_writes,
        ]


@dataclass
class GraphqlApiArgs:
    api_name: str
    user_pool_id: pulumi.Input[str]
    schema: str  # the SDL (read_sources)
    resolver_code: Mapping[str, str]  # resolver file name → its code (read_sources)
    fields: Sequence[Field]  # graphql_fields.FIELDS
    tables: Mapping[DataSource, TableSource]  # table data sources (read-only, or own)
    functions: Mapping[DataSource, pulumi.Input[str]]  # Lambda data sources: function ARNs
    bus: EventBus
    status_event_pattern: Mapping[str, Sequence[str]]  # rule_pattern(ORDER_STATUS_PUSH)
    # The stack's values the resolvers' "stack settings" blocks name (fill_settings).
    settings: Mapping[str, pulumi.Input[Any]] = field(default_factory=dict)
    field_log_level: str = "NONE"
    xray_enabled: bool = False

    def __post_init__(self) -> None:
        if self.field_log_level not in FIELD_LOG_LEVELS:
            raise ValueError(f"field_log_level must be one of {FIELD_LOG_LEVELS}")
        sources = set(data_sources(self.fields)) - {DataSource.NONE}
        missing = sources - set(self.tables) - set(self.functions)
        if missing:
            raise ValueError(f"no table or function given for data sources {sorted(missing)}")
        files = {f.code for f in self.fields} | {s.code for s in steps(self.fields)}
        absent = files - set(self.resolver_code)
        if absent:
            raise ValueError(f"resolver files missing: {sorted(absent)}")
        unset = {n for f in files for n in setting_names(self.resolver_code[f])} - set(
            self.settings
        )
        if unset:
            raise ValueError(f"no stack setting given for {sorted(unset)}")


def steps(fields: Sequence[Field]) -> list[Step]:
    """Every pipeline function the fields run, once each, in the order first used."""
    return list(dict.fromkeys(step for f in fields for step in f.pipeline))


def data_sources(fields: Sequence[Field]) -> list[DataSource]:
    """The data sources the resolvers and pipeline functions use (a pipeline resolver's
    own is none)."""
    used = [f.data_source for f in fields if not f.pipeline] + [
        s.data_source for s in steps(fields)
    ]
    return sorted(set(used))


class GraphqlApi(pulumi.ComponentResource):
    url: pulumi.Output[str]
    realtime_url: pulumi.Output[str]

    def __init__(self, name: str, args: GraphqlApiArgs, opts: pulumi.ResourceOptions | None = None):
        # Only the order-status push is a pipeline (no Lambda); the API's other fields
        # may be served by the services' functions.
        push = f"{name}-order-status"
        super().__init__(
            "shop:index:GraphqlApi", name, None, pipeline_options(opts, push, names_from=push)
        )
        child = pulumi.ResourceOptions(parent=self)
        region = aws.get_region_output().region
        account = aws.get_caller_identity_output().account_id

        self.api = aws.appsync.GraphQLApi(
            f"{name}-api",
            name=args.api_name,
            schema=args.schema,
            authentication_type="AMAZON_COGNITO_USER_POOLS",
            user_pool_config={
                "user_pool_id": args.user_pool_id,
                "aws_region": region,
                "default_action": "ALLOW",
            },
            additional_authentication_providers=[{"authentication_type": "AWS_IAM"}],
            xray_enabled=args.xray_enabled,
            log_config=self._log_config(name, args),
            query_depth_limit=QUERY_DEPTH_LIMIT,
            resolver_count_limit=RESOLVER_COUNT_LIMIT,
            opts=child,
        )

        self.data_sources = {
            source: self._data_source(name, args, source) for source in data_sources(args.fields)
        }
        self.functions = {
            step: aws.appsync.Function(
                f"{name}-function-{step.name}",
                api_id=self.api.id,
                name=step.name,
                data_source=self.data_sources[step.data_source].name,
                runtime=JS_RUNTIME,
                code=self._code(args, step.code),
                opts=child,
            )
            for step in steps(args.fields)
        }
        self.resolvers = [self._resolver(name, args, f) for f in args.fields]
        self._order_status_rule(name, args, region, account)

        self.url = self.api.uris["GRAPHQL"]
        self.realtime_url = self.api.uris["REALTIME"]
        self.register_outputs({"url": self.url, "realtime_url": self.realtime_url})

    def _code(self, args: GraphqlApiArgs, file: str) -> pulumi.Input[str]:
        """A resolver file's code as deployed: with this stack's settings, if it names any."""
        code = args.resolver_code[file]
        names = setting_names(code)
        if not names:
            return code
        values = pulumi.Output.all(*(args.settings[n] for n in names))
        return values.apply(lambda given: fill_settings(code, dict(zip(names, given, strict=True))))

    def _resolver(self, name: str, args: GraphqlApiArgs, f: Field) -> aws.appsync.Resolver:
        common: dict[str, Any] = {
            "api_id": self.api.id,
            "type": f.type,
            "field": f.name,
            "runtime": JS_RUNTIME,
            "code": self._code(args, f.code),
        }
        if f.pipeline:
            common |= {
                "kind": "PIPELINE",
                "pipeline_config": {
                    "functions": [self.functions[step].function_id for step in f.pipeline]
                },
            }
        else:
            common |= {"kind": "UNIT", "data_source": self.data_sources[f.data_source].name}
        return aws.appsync.Resolver(
            f"{name}-{f.type.lower()}-{f.name}", **common, opts=pulumi.ResourceOptions(parent=self)
        )

    def _log_config(
        self, name: str, args: GraphqlApiArgs
    ) -> aws.appsync.GraphQLApiLogConfigArgsDict | None:
        """Field logs only when asked for: AppSync then writes its own log group
        (/aws/appsync/apis/<id>) through this role."""
        if args.field_log_level == "NONE":
            return None
        self.log_role = aws.iam.Role(
            f"{name}-log-role",
            assume_role_policy=assume_role_policy_for(
                APPSYNC, aws.get_caller_identity_output().account_id
            ),
            description=f"{args.api_name} writes its field logs",
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-log-policy",
            role=self.log_role.id,
            policy=policy_document(
                [
                    allow(
                        "WriteFieldLogs",
                        ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "arn:aws:logs:*:*:log-group:/aws/appsync/apis/*",
                    )
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return {
            "cloudwatch_logs_role_arn": self.log_role.arn,
            "field_log_level": args.field_log_level,
            "exclude_verbose_content": True,  # no headers, no resolver mapping contents
        }

    def _data_source(
        self, name: str, args: GraphqlApiArgs, source: DataSource
    ) -> aws.appsync.DataSource:
        child = pulumi.ResourceOptions(parent=self)
        resource_name = f"{name}-{source.value}"
        if source is DataSource.NONE:
            return aws.appsync.DataSource(
                resource_name, api_id=self.api.id, name=source.value, type="NONE", opts=child
            )
        settings: dict[str, Any]
        statements: list[Mapping[str, Any]]
        if source in args.tables:
            table = args.tables[source]
            statements = table.statements()
            settings = {"type": "AMAZON_DYNAMODB", "dynamodb_config": {"table_name": table.name}}
        else:
            function_arn = args.functions[source]
            statements = [allow("InvokeService", ["lambda:InvokeFunction"], function_arn)]
            settings = {"type": "AWS_LAMBDA", "lambda_config": {"function_arn": function_arn}}
        role = aws.iam.Role(
            f"{resource_name}-role",
            assume_role_policy=assume_role_policy_for(
                APPSYNC, aws.get_caller_identity_output().account_id, self.api.arn
            ),
            description=f"{args.api_name}'s data source {source.value}",
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{resource_name}-policy",
            role=role.id,
            policy=policy_document(statements),
            opts=child,
        )
        return aws.appsync.DataSource(
            resource_name,
            api_id=self.api.id,
            name=source.value,
            service_role_arn=role.arn,
            **settings,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

    def _order_status_rule(
        self,
        name: str,
        args: GraphqlApiArgs,
        region: pulumi.Output[str],
        account: pulumi.Output[str],
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        mutation = PUBLISH_ORDER_STATUS
        self.status_rule = aws.cloudwatch.EventRule(
            f"{name}-order-status-rule",
            event_bus_name=args.bus.bus_name,
            event_pattern=json.dumps(args.status_event_pattern),
            description="Order events → publishOrderStatus → the order's subscribers",
            opts=child,
        )
        self.status_role = aws.iam.Role(
            f"{name}-order-status-role",
            assume_role_policy=assume_role_policy_for(
                "events.amazonaws.com", account, self.status_rule.arn
            ),
            description=f"EventBridge calls {args.api_name}'s {mutation.name}",
            opts=child,
        )
        field_arn = pulumi.Output.concat(
            self.api.arn, f"/types/{mutation.type}/fields/{mutation.name}"
        )
        self.status_policy = aws.iam.RolePolicy(
            f"{name}-order-status-policy",
            role=self.status_role.id,
            policy=policy_document([allow("PublishOrderStatus", ["appsync:GraphQL"], field_arn)]),
            opts=child,
        )
        # EventBridge names the API by its GraphQL endpoint: the host's first label.
        endpoint_arn = pulumi.Output.all(region, account, self.api.uris).apply(
            lambda values: (
                f"arn:aws:appsync:{values[0]}:{values[1]}:endpoints/graphql-api/"
                + values[2]["GRAPHQL"].split("//", 1)[1].split(".", 1)[0]
            )
        )
        template = ", ".join(f'"{key}": "<{key}>"' for key in STATUS_VARIABLES)
        self.status_target, self.status_dlq = guarded_target(
            f"{name}-order-status-target",
            f"{name}-order-status-dlq",
            self,
            self.status_rule,
            args.bus.bus_name,
            endpoint_arn,
            ready=self.status_policy,
            role_arn=self.status_role.arn,
            appsync_target={"graphql_operation": publish_operation(mutation)},
            input_transformer={
                "input_paths": {key: path for key, (path, _) in STATUS_VARIABLES.items()},
                "input_template": "{" + template + "}",
            },
        )
