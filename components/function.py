"""Function: the one place that builds a Lambda function.

Every function gets its own role (the statements it is given plus its own log
stream and X-Ray writes), its own log group with retention, explicit memory and
timeout, arm64, Python 3.13, active X-Ray tracing, JSON logs, Powertools from
the AWS-managed layer, and an archive holding only its own code.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from components.alarms import at_least_one
from components.iam import allow, assume_role_policy, policy_document
from components.packaging import build_archive
from components.tables import TableArgs, own_table, own_table_statement
from shop_common.metric_names import NAMESPACE
from shop_common.settings import Env

RUNTIME = "python3.13"
ARCHITECTURE = "arm64"
POWERTOOLS_LAYER_ACCOUNT = "017000801446"


def powertools_layer_arn(region: str, version: int) -> str:
    python = RUNTIME.replace(".", "")
    return (
        f"arn:aws:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{python}-{ARCHITECTURE}:{version}"
    )


@dataclass(frozen=True)
class FunctionSettings:
    """Stack-wide defaults that __main__.py reads from config."""

    name_prefix: str
    powertools_layer_arn: pulumi.Input[str]
    log_retention_days: int = 14
    memory_size: int = 256
    timeout_seconds: int = 10
    log_level: str = "INFO"


@dataclass
class FunctionArgs:
    handler_module: str  # e.g. "basket.consumer": its lambda_handler is the entry point
    settings: FunctionSettings
    description: str = ""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    policy_statements: Sequence[Mapping[str, Any]] = ()
    timeout_seconds: int | None = None
    memory_size: int | None = None


class Function(pulumi.ComponentResource):
    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup
    function_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: FunctionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:Function", name, None, opts)
        settings = args.settings
        function_name = f"{settings.name_prefix}-{name}"
        child = pulumi.ResourceOptions(parent=self)

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=settings.log_retention_days,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
            description=f"Runs {function_name}",
            opts=child,
        )
        own_statements = [
            allow(
                "OwnLogStreams",
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                pulumi.Output.concat(self.log_group.arn, ":*"),
            ),
            # X-Ray writes support no resource-level permissions.
            allow("Tracing", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"),
        ]
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=policy_document([*own_statements, *args.policy_statements]),
            opts=child,
        )
        self.archive_path = build_archive(args.handler_module)
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            description=args.description,
            role=self.role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=f"{args.handler_module}.lambda_handler",
            code=pulumi.FileArchive(str(self.archive_path)),
            memory_size=args.memory_size or settings.memory_size,
            timeout=args.timeout_seconds or settings.timeout_seconds,
            layers=[settings.powertools_layer_arn],
            tracing_config={"mode": "Active"},
            logging_config={
                "log_format": "JSON",
                "log_group": self.log_group.name,
                "application_log_level": settings.log_level,
                "system_log_level": "WARN",
            },
            environment={
                "variables": {
                    "POWERTOOLS_SERVICE_NAME": name,
                    "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
                    **args.environment,
                }
            },
            # The role must be able to write logs before the first invocation.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.policy, self.log_group]),
        )
        # An error is an invocation that failed (an unhandled exception, a timeout, out of
        # memory): API Gateway answered 500, or a whole batch goes back to its queue.
        # Refused records of a batch and 4xx answers are not errors.
        self.errors_alarm = at_least_one(
            f"{name}-errors-alarm",
            self,
            description=f"{function_name} failed invocations",
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions={"FunctionName": self.function.name},
        )
        self.throttles_alarm = at_least_one(
            f"{name}-throttles-alarm",
            self,
            description=f"{function_name} was throttled: requests refused or delayed",
            namespace="AWS/Lambda",
            metric_name="Throttles",
            dimensions={"FunctionName": self.function.name},
        )
        self.service_name = name  # POWERTOOLS_SERVICE_NAME: its metrics' service dimension
        self.function_name = self.function.name
        self.arn = self.function.arn
        self.role_arn = self.role.arn
        self.timeout_seconds = args.timeout_seconds or settings.timeout_seconds
        self.register_outputs(
            {"function_name": self.function_name, "arn": self.arn, "role_arn": self.role_arn}
        )


class ServiceArgs(Protocol):
    """What a service component's args say of its function and its own table."""

    handler_module: str
    settings: FunctionSettings
    description: str
    environment: Mapping[str, pulumi.Input[str]]
    policy_statements: Sequence[Mapping[str, Any]]
    table: TableArgs | None
    deletion_protection: bool


def service_function(
    name: str,
    role: str,
    owner: pulumi.Resource,
    args: ServiceArgs,
    statements: Sequence[Mapping[str, Any]] = (),
    environment: Mapping[str, pulumi.Input[str]] | None = None,
) -> tuple[Function, aws.dynamodb.Table | None]:
    """The function `{name}-{role}` of a service component named `name`, and its own
    table `{name}-table` when it has one (the function's TABLE_NAME, granted the table
    actions the service names); `statements` and `environment` come before the
    service's own."""
    environment = {**(environment or {}), **args.environment}
    granted = [*statements, *args.policy_statements]
    table = None
    if args.table is not None:
        table = own_table(f"{name}-table", args.table, args.deletion_protection, owner)
        environment[Env.TABLE_NAME] = table.name
        granted.append(own_table_statement(table, args.table.actions))
    function = Function(
        f"{name}-{role}",
        FunctionArgs(
            handler_module=args.handler_module,
            settings=args.settings,
            description=args.description,
            environment=environment,
            policy_statements=granted,
        ),
        opts=pulumi.ResourceOptions(parent=owner),
    )
    return function, table
