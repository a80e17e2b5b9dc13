"""Provisioning: the Pulumi program evaluated under mocks whose new_resource
creates each resource in the emulator through boto3 and returns its real
identifiers (ARNs, URLs, names), so downstream resources receive real values.

Every resource type the program uses has a handler below. A type without one
is recorded (and listed in the start-up summary), never silently dropped; so
is every setting the emulator accepts but does not enforce.
"""

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pulumi
from botocore.config import Config

from localcloud import program, stack_config
from localcloud.services import BOTO3_TO_MOTO

ACCOUNT_ID = "123456789012"
# Resource registrations run at once (Pulumi's own dependency tracking orders them).
REGISTRATION_THREADS = 16
LOCAL_USER_AGENT_APP_ID = "localcloud"
# What the emulator stores but does not act on: said out loud at start-up.
NOT_ENFORCED = (
    "IAM policies (moto does not evaluate them)",
    "API throttling and access logs",
    "CloudWatch alarms (stored, never evaluated)",
    "encryption at rest (KMS/SSE settings are stored only)",
    "X-Ray tracing",
    "log retention",
)


@dataclass
class Provisioned:
    typ: str
    name: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class Deployment:
    """What the program created in the emulator, and its stack outputs."""

    resources: list[Provisioned] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    unemulated: list[tuple[str, str]] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Provisioned]:
        return [r for r in self.resources if r.typ == typ]


Handler = Callable[["EmulatorMocks", str, dict[str, Any]], tuple[str, dict[str, Any]]]
HANDLERS: dict[str, Handler] = {}


def handles(typ: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[typ] = handler
        return handler

    return register


def _int(value: Any) -> int:
    return int(float(value))


class EmulatorMocks(pulumi.runtime.Mocks):
    def __init__(
        self,
        endpoint_url: str,
        region: str,
        gateway_url: str,
        queue_visibility_timeout: int | None = None,
    ):
        self.endpoint_url = endpoint_url
        self.region = region
        self.gateway_url = gateway_url
        self.queue_visibility_timeout = queue_visibility_timeout
        self.deployment = Deployment()
        self._lock = threading.Lock()
        self._session = boto3.session.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the emulator accepts any
            region_name=region,
        )
        self._config = Config(
            user_agent_appid=LOCAL_USER_AGENT_APP_ID,
            retries={"max_attempts": 2},
            max_pool_connections=REGISTRATION_THREADS,
        )
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()  # a boto3 session is not thread-safe
        self._emulator: Future | None = None

    def client(self, service: str):
        """One client per service for the life of the mocks."""
        client = self._clients.get(service)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(service)
                if client is None:
                    client = self._clients[service] = self._session.client(
                        service, endpoint_url=self.endpoint_url, config=self._config
                    )
        return client

    def new_client(self, service: str, **config: Any):
        """Another client of the same session (so its service model is not read again),
        with the local cloud's User-Agent and botocore's default retries."""
        with self._clients_lock:
            return self._session.client(
                service,
                endpoint_url=self.endpoint_url,
                config=Config(user_agent_appid=LOCAL_USER_AGENT_APP_ID, **config),
            )

    def prepare_clients(self) -> threading.Thread:
        """Create the clients (~0.1 s each) in the background while other work goes on."""
        thread = threading.Thread(
            target=lambda: [self.client(s) for s in BOTO3_TO_MOTO], daemon=True
        )
        thread.start()
        return thread

    def await_emulator(self, wait_ready: Callable[[], None]) -> None:
        """Let the program be evaluated while the emulator boots: wait_ready() runs in
        the background, and whatever needs the emulator waits for it (or its error)."""
        self._emulator = Future()

        def wait() -> None:
            try:
                wait_ready()
                self._emulator.set_result(None)
            except Exception as error:  # raised where the emulator is needed
                self._emulator.set_exception(error)

        threading.Thread(target=wait, name="emulator-ready", daemon=True).start()

    def _emulator_ready(self) -> None:
        if self._emulator is not None:
            self._emulator.result()

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{resource}"

    @staticmethod
    def physical_name(name: str, inputs: dict[str, Any], max_length: int = 64) -> str:
        """The resource's name, or an auto-name as the Pulumi provider makes one."""
        if inputs.get("name"):
            return inputs["name"]
        return f"{name[: max_length - 8]}-{secrets.token_hex(4)[:7]}"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ.startswith("shop:"):  # a component: nothing to create
            return f"{args.name}-component", {}
        handler = HANDLERS.get(args.typ)
        if handler is None:
            with self._lock:
                self.deployment.unemulated.append((args.typ, args.name))
            return f"{args.name}-unemulated", dict(args.inputs)
        self._emulator_ready()
        resource_id, computed = handler(self, args.name, dict(args.inputs))
        outputs = {**args.inputs, **computed}
        with self._lock:
            self.deployment.resources.append(
                Provisioned(args.typ, args.name, resource_id, dict(args.inputs), outputs)
            )
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getRegion:getRegion":  # noqa: S105 - an invoke token
            return {
                "name": self.region,
                "region": self.region,
                "id": self.region,
                "endpoint": self.endpoint_url,
                "description": "local cloud",
            }
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":  # noqa: S105
            self._emulator_ready()
            identity = self.client("sts").get_caller_identity()
            return {
                "accountId": identity["Account"],
                "arn": identity["Arn"],
                "userId": identity["UserId"],
                "id": identity["Account"],
            }
        raise NotImplementedError(f"the local cloud does not answer {args.token}")


# --- SQS -------------------------------------------------------------------------------

_QUEUE_ATTRIBUTES = {
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "delaySeconds": "DelaySeconds",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "maxMessageSize": "MaximumMessageSize",
    "policy": "Policy",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "kmsMasterKeyId": "KmsMasterKeyId",
}


@handles("aws:sqs/queue:Queue")
def _queue(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    queue_name = mocks.physical_name(name, inputs, 80)
    attributes = {}
    for key, attribute in _QUEUE_ATTRIBUTES.items():
        if inputs.get(key) is not None:
            value = inputs[key]
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, float):
                value = str(int(value))
            attributes[attribute] = str(value)
    if mocks.queue_visibility_timeout is not None:
        # Tests may shorten redelivery; the program's own setting is unchanged.
        attributes["VisibilityTimeout"] = str(mocks.queue_visibility_timeout)
    url = mocks.client("sqs").create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
    return url, {"name": queue_name, "url": url, "arn": mocks.arn("sqs", queue_name)}


@handles("aws:sqs/queuePolicy:QueuePolicy")
def _queue_policy(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    mocks.client("sqs").set_queue_attributes(
        QueueUrl=inputs["queueUrl"], Attributes={"Policy": inputs["policy"]}
    )
    return inputs["queueUrl"], {}


# --- IAM and logs ----------------------------------------------------------------------


@handles("aws:iam/role:Role")
def _role(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    role_name = mocks.physical_name(name, inputs, 64)
    role = mocks.client("iam").create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=inputs["assumeRolePolicy"],
        Description=inputs.get("description", ""),
    )["Role"]
    return role_name, {"name": role_name, "arn": role["Arn"], "uniqueId": role["RoleId"]}


@handles("aws:iam/rolePolicy:RolePolicy")
def _role_policy(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    policy_name = mocks.physical_name(name, inputs, 128)
    mocks.client("iam").put_role_policy(
        RoleName=inputs["role"], PolicyName=policy_name, PolicyDocument=inputs["policy"]
    )
    return f"{inputs['role']}:{policy_name}", {"name": policy_name}


@handles("aws:cloudwatch/logGroup:LogGroup")
def _log_group(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    group = mocks.physical_name(name, inputs, 512)
    logs = mocks.client("logs")
    logs.create_log_group(logGroupName=group)
    if inputs.get("retentionInDays"):
        logs.put_retention_policy(
            logGroupName=group, retentionInDays=_int(inputs["retentionInDays"])
        )
    return group, {"name": group, "arn": mocks.arn("logs", f"log-group:{group}")}


@handles("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
def _log_resource_policy(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    mocks.client("logs").put_resource_policy(
        policyName=inputs["policyName"], policyDocument=inputs["policyDocument"]
    )
    return inputs["policyName"], {}


@handles("aws:cloudwatch/metricAlarm:MetricAlarm")
def _alarm(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    alarm_name = mocks.physical_name(name, inputs, 255)
    mocks.client("cloudwatch").put_metric_alarm(
        AlarmName=alarm_name,
        AlarmDescription=inputs.get("alarmDescription", ""),
        Namespace=inputs["namespace"],
        MetricName=inputs["metricName"],
        Dimensions=[{"Name": k, "Value": v} for k, v in inputs.get("dimensions", {}).items()],
        Statistic=inputs["statistic"],
        Period=_int(inputs["period"]),
        EvaluationPeriods=_int(inputs["evaluationPeriods"]),
        Threshold=float(inputs["threshold"]),
        ComparisonOperator=inputs["comparisonOperator"],
        TreatMissingData=inputs.get("treatMissingData", "missing"),
    )
    return alarm_name, {"arn": mocks.arn("cloudwatch", f"alarm:{alarm_name}")}


# --- EventBridge -----------------------------------------------------------------------


@handles("aws:cloudwatch/eventBus:EventBus")
def _event_bus(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    bus = mocks.physical_name(name, inputs)
    arn = mocks.client("events").create_event_bus(Name=bus)["EventBusArn"]
    return bus, {"name": bus, "arn": arn}


@handles("aws:cloudwatch/eventArchive:EventArchive")
def _event_archive(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    archive = mocks.physical_name(name, inputs, 48)
    optional = {
        "EventPattern": inputs.get("eventPattern"),
        "RetentionDays": _int(inputs["retentionDays"]) if "retentionDays" in inputs else None,
        "Description": inputs.get("description"),
    }
    arn = mocks.client("events").create_archive(
        ArchiveName=archive,
        EventSourceArn=inputs["eventSourceArn"],
        **{k: v for k, v in optional.items() if v is not None},
    )["ArchiveArn"]
    return archive, {"name": archive, "arn": arn}


@handles("aws:cloudwatch/eventRule:EventRule")
def _event_rule(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    rule = mocks.physical_name(name, inputs)
    arn = mocks.client("events").put_rule(
        Name=rule,
        EventBusName=inputs.get("eventBusName", "default"),
        EventPattern=inputs["eventPattern"],
        Description=inputs.get("description", ""),
        State="ENABLED",
    )["RuleArn"]
    return rule, {"name": rule, "arn": arn}


@handles("aws:cloudwatch/eventTarget:EventTarget")
def _event_target(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    target_id = inputs.get("targetId") or mocks.physical_name(name, {})
    target: dict[str, Any] = {"Id": target_id, "Arn": inputs["arn"]}
    if inputs.get("deadLetterConfig"):
        target["DeadLetterConfig"] = {"Arn": inputs["deadLetterConfig"]["arn"]}
    if inputs.get("retryPolicy"):
        retry = inputs["retryPolicy"]
        target["RetryPolicy"] = {
            "MaximumRetryAttempts": _int(retry["maximumRetryAttempts"]),
            "MaximumEventAgeInSeconds": _int(retry["maximumEventAgeInSeconds"]),
        }
    bus = inputs.get("eventBusName", "default")
    result = mocks.client("events").put_targets(
        Rule=inputs["rule"], EventBusName=bus, Targets=[target]
    )
    if result.get("FailedEntryCount"):
        raise RuntimeError(f"target {name} was not created: {result['FailedEntries']}")
    return f"{bus}-{inputs['rule']}-{target_id}", {"targetId": target_id}


# --- DynamoDB --------------------------------------------------------------------------


def _key_schema(hash_key: str, range_key: str | None) -> list[dict]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    return keys + ([{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else [])


@handles("aws:dynamodb/table:Table")
def _table(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    table = mocks.physical_name(name, inputs, 255)
    indexes = [
        {
            "IndexName": index["name"],
            "KeySchema": [
                {"AttributeName": k["attributeName"], "KeyType": k["keyType"]}
                for k in index["keySchemas"]
            ],
            "Projection": {"ProjectionType": index["projectionType"]},
        }
        for index in inputs.get("globalSecondaryIndexes", [])
    ]
    dynamodb = mocks.client("dynamodb")
    description = dynamodb.create_table(
        TableName=table,
        BillingMode=inputs.get("billingMode", "PROVISIONED"),
        KeySchema=_key_schema(inputs["hashKey"], inputs.get("rangeKey")),
        AttributeDefinitions=[
            {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs["attributes"]
        ],
        SSESpecification={"Enabled": bool(inputs.get("serverSideEncryption", {}).get("enabled"))},
        DeletionProtectionEnabled=bool(inputs.get("deletionProtectionEnabled")),
        **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
    )["TableDescription"]
    if inputs.get("pointInTimeRecovery", {}).get("enabled"):
        dynamodb.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    return table, {"name": table, "arn": description["TableArn"]}


# --- Lambda ----------------------------------------------------------------------------


@handles("aws:lambda/function:Function")
def _function(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    function_name = mocks.physical_name(name, inputs)
    archive = Path(inputs["code"].path)
    code = archive.read_bytes()
    logging = inputs.get("loggingConfig", {})
    configuration = mocks.client("lambda").create_function(
        FunctionName=function_name,
        Runtime=inputs["runtime"],
        Role=inputs["role"],
        Handler=inputs["handler"],
        Code={"ZipFile": code},
        Description=inputs.get("description", ""),
        Timeout=_int(inputs.get("timeout", 3)),
        MemorySize=_int(inputs.get("memorySize", 128)),
        Environment={"Variables": inputs.get("environment", {}).get("variables", {})},
        Architectures=inputs.get("architectures", ["x86_64"]),
        TracingConfig={"Mode": inputs.get("tracingConfig", {}).get("mode", "PassThrough")},
        LoggingConfig={
            key: logging[field_name]
            for key, field_name in (
                ("LogFormat", "logFormat"),
                ("LogGroup", "logGroup"),
                ("ApplicationLogLevel", "applicationLogLevel"),
                ("SystemLogLevel", "systemLogLevel"),
            )
            if field_name in logging
        },
    )
    digest = base64.b64encode(hashlib.sha256(code).digest()).decode()
    if configuration["CodeSha256"] != digest:
        raise RuntimeError(f"the emulator stored different code for {function_name}")
    reserved = _int(inputs.get("reservedConcurrentExecutions", -1))
    if reserved >= 0:  # -1: unreserved (the provider's default)
        mocks.client("lambda").put_function_concurrency(
            FunctionName=function_name, ReservedConcurrentExecutions=reserved
        )
    arn = configuration["FunctionArn"]
    return function_name, {
        "name": function_name,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "invokeArn": f"arn:aws:apigateway:{mocks.region}:lambda:path/2015-03-31/functions/"
        f"{arn}/invocations",
        "sourceCodeHash": digest,
        "archivePath": str(archive),
    }


@handles("aws:lambda/permission:Permission")
def _permission(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    statement_id = inputs.get("statementId") or mocks.physical_name(name, {})
    mocks.client("lambda").add_permission(
        FunctionName=inputs["function"],
        StatementId=statement_id,
        Action=inputs["action"],
        Principal=inputs["principal"],
        **({"SourceArn": inputs["sourceArn"]} if inputs.get("sourceArn") else {}),
    )
    return statement_id, {"statementId": statement_id}


@handles("aws:lambda/eventSourceMapping:EventSourceMapping")
def _event_source_mapping(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    # Created disabled: moto would invoke the function itself (in Docker). The
    # local cloud's pollers play the mapping instead, from these settings.
    scaling = inputs.get("scalingConfig") or {}
    mapping = mocks.client("lambda").create_event_source_mapping(
        EventSourceArn=inputs["eventSourceArn"],
        FunctionName=inputs["functionName"],
        BatchSize=_int(inputs.get("batchSize", 10)),
        MaximumBatchingWindowInSeconds=_int(inputs.get("maximumBatchingWindowInSeconds", 0)),
        FunctionResponseTypes=inputs.get("functionResponseTypes", []),
        Enabled=False,
        **(
            {"ScalingConfig": {"MaximumConcurrency": _int(scaling["maximumConcurrency"])}}
            if scaling.get("maximumConcurrency") is not None
            else {}
        ),
    )
    uuid = mapping["UUID"]
    return uuid, {"uuid": uuid, "arn": mocks.arn("lambda", f"event-source-mapping:{uuid}")}


# --- API Gateway v2 --------------------------------------------------------------------


@handles("aws:apigatewayv2/api:Api")
def _api(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    cors = inputs.get("corsConfiguration") or {}
    api = mocks.client("apigatewayv2").create_api(
        Name=mocks.physical_name(name, inputs, 128),
        ProtocolType=inputs["protocolType"],
        **(
            {
                "CorsConfiguration": {
                    "AllowOrigins": cors.get("allowOrigins", []),
                    "AllowMethods": cors.get("allowMethods", []),
                    "AllowHeaders": cors.get("allowHeaders", []),
                    "ExposeHeaders": cors.get("exposeHeaders", []),
                    "MaxAge": _int(cors.get("maxAge", 0)),
                }
            }
            if cors
            else {}
        ),
    )
    api_id = api["ApiId"]
    return api_id, {
        "apiEndpoint": mocks.gateway_url.rstrip("/"),
        "executionArn": mocks.arn("execute-api", api_id),
        "arn": f"arn:aws:apigateway:{mocks.region}::/apis/{api_id}",
    }


@handles("aws:apigatewayv2/stage:Stage")
def _stage(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    routes = inputs.get("defaultRouteSettings") or {}
    logs = inputs.get("accessLogSettings") or {}
    mocks.client("apigatewayv2").create_stage(
        ApiId=inputs["apiId"],
        StageName=inputs["name"],
        AutoDeploy=bool(inputs.get("autoDeploy")),
        **(
            {
                "AccessLogSettings": {
                    "DestinationArn": logs["destinationArn"],
                    "Format": logs["format"],
                }
            }
            if logs
            else {}
        ),
        **(
            {
                "DefaultRouteSettings": {
                    "ThrottlingBurstLimit": _int(routes.get("throttlingBurstLimit", 0)),
                    "ThrottlingRateLimit": float(routes.get("throttlingRateLimit", 0)),
                    "DetailedMetricsEnabled": bool(routes.get("detailedMetricsEnabled")),
                }
            }
            if routes
            else {}
        ),
    )
    # The stage is served by the local gateway.
    return inputs["name"], {"invokeUrl": mocks.gateway_url}


@handles("aws:apigatewayv2/authorizer:Authorizer")
def _authorizer(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    jwt = inputs.get("jwtConfiguration") or {}
    authorizer = mocks.client("apigatewayv2").create_authorizer(
        ApiId=inputs["apiId"],
        AuthorizerType=inputs["authorizerType"],
        IdentitySource=inputs.get("identitySources", []),
        Name=inputs.get("name") or name,
        JwtConfiguration={"Audience": jwt.get("audiences", []), "Issuer": jwt.get("issuer", "")},
    )
    return authorizer["AuthorizerId"], {}


@handles("aws:apigatewayv2/integration:Integration")
def _integration(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    integration = mocks.client("apigatewayv2").create_integration(
        ApiId=inputs["apiId"],
        IntegrationType=inputs["integrationType"],
        IntegrationUri=inputs["integrationUri"],
        PayloadFormatVersion=inputs.get("payloadFormatVersion", "2.0"),
        TimeoutInMillis=_int(inputs.get("timeoutMilliseconds", 30000)),
    )
    return integration["IntegrationId"], {}


@handles("aws:apigatewayv2/route:Route")
def _route(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    route = mocks.client("apigatewayv2").create_route(
        ApiId=inputs["apiId"],
        RouteKey=inputs["routeKey"],
        Target=inputs["target"],
        AuthorizationType=inputs.get("authorizationType", "NONE"),
        **({"AuthorizerId": inputs["authorizerId"]} if inputs.get("authorizerId") else {}),
    )
    return route["RouteId"], {}


# --- Cognito ---------------------------------------------------------------------------


@handles("aws:cognito/userPool:UserPool")
def _user_pool(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    password = inputs.get("passwordPolicy") or {}
    pool = mocks.client("cognito-idp").create_user_pool(
        PoolName=mocks.physical_name(name, inputs, 128),
        UsernameAttributes=inputs.get("usernameAttributes", []),
        AutoVerifiedAttributes=inputs.get("autoVerifiedAttributes", []),
        MfaConfiguration=inputs.get("mfaConfiguration", "OFF"),
        DeletionProtection=inputs.get("deletionProtection", "INACTIVE"),
        Policies={
            "PasswordPolicy": {
                "MinimumLength": _int(password.get("minimumLength", 8)),
                "RequireUppercase": bool(password.get("requireUppercase")),
                "RequireLowercase": bool(password.get("requireLowercase")),
                "RequireNumbers": bool(password.get("requireNumbers")),
                "RequireSymbols": bool(password.get("requireSymbols")),
                "TemporaryPasswordValidityDays": _int(
                    password.get("temporaryPasswordValidityDays", 7)
                ),
            }
        },
    )["UserPool"]
    return pool["Id"], {
        "arn": pool["Arn"],
        "endpoint": f"cognito-idp.{mocks.region}.amazonaws.com/{pool['Id']}",
        "name": pool["Name"],
    }


@handles("aws:cognito/userPoolClient:UserPoolClient")
def _user_pool_client(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    units = inputs.get("tokenValidityUnits") or {}
    client = mocks.client("cognito-idp").create_user_pool_client(
        UserPoolId=inputs["userPoolId"],
        ClientName=inputs.get("name") or name,
        GenerateSecret=bool(inputs.get("generateSecret")),
        ExplicitAuthFlows=inputs.get("explicitAuthFlows", []),
        PreventUserExistenceErrors=inputs.get("preventUserExistenceErrors", "LEGACY"),
        EnableTokenRevocation=bool(inputs.get("enableTokenRevocation")),
        AccessTokenValidity=_int(inputs.get("accessTokenValidity", 60)),
        IdTokenValidity=_int(inputs.get("idTokenValidity", 60)),
        RefreshTokenValidity=_int(inputs.get("refreshTokenValidity", 30)),
        TokenValidityUnits={
            "AccessToken": units.get("accessToken", "minutes"),
            "IdToken": units.get("idToken", "minutes"),
            "RefreshToken": units.get("refreshToken", "days"),
        },
    )["UserPoolClient"]
    return client["ClientId"], {}


@handles("aws:cognito/userGroup:UserGroup")
def _user_group(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    mocks.client("cognito-idp").create_group(
        GroupName=inputs["name"],
        UserPoolId=inputs["userPoolId"],
        Description=inputs.get("description", ""),
    )
    return f"{inputs['userPoolId']}/{inputs['name']}", {}


# --- SNS and Step Functions ------------------------------------------------------------


@handles("aws:sns/topic:Topic")
def _topic(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    topic = mocks.physical_name(name, inputs, 256)
    attributes = (
        {"KmsMasterKeyId": inputs["kmsMasterKeyId"]} if inputs.get("kmsMasterKeyId") else {}
    )
    arn = mocks.client("sns").create_topic(Name=topic, Attributes=attributes)["TopicArn"]
    return arn, {"name": topic, "arn": arn}


@handles("aws:sns/topicSubscription:TopicSubscription")
def _topic_subscription(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    attributes = {"FilterPolicy": inputs["filterPolicy"]} if inputs.get("filterPolicy") else {}
    arn = mocks.client("sns").subscribe(
        TopicArn=inputs["topic"],
        Protocol=inputs["protocol"],
        Endpoint=inputs["endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return arn, {"arn": arn}


@handles("aws:sfn/stateMachine:StateMachine")
def _state_machine(mocks: EmulatorMocks, name: str, inputs: dict) -> tuple[str, dict]:
    logging = inputs.get("loggingConfiguration") or {}
    machine = mocks.client("stepfunctions").create_state_machine(
        name=mocks.physical_name(name, inputs, 80),
        definition=inputs["definition"],
        roleArn=inputs["roleArn"],
        type=inputs.get("type", "STANDARD"),
        loggingConfiguration={
            "level": logging.get("level", "OFF"),
            "includeExecutionData": bool(logging.get("includeExecutionData")),
            **(
                {
                    "destinations": [
                        {"cloudWatchLogsLogGroup": {"logGroupArn": logging["logDestination"]}}
                    ]
                }
                if logging.get("logDestination")
                else {}
            ),
        },
        tracingConfiguration={
            "enabled": bool((inputs.get("tracingConfiguration") or {}).get("enabled"))
        },
    )
    return machine["stateMachineArn"], {"arn": machine["stateMachineArn"], "name": name}


def stack_region(stack: str) -> str:
    return stack_config.load(stack).get("aws:region", "us-east-1")


def provision(mocks: EmulatorMocks, stack: str) -> Deployment:
    """Create the stack's resources in the emulator; return what was created."""
    mocks.deployment.outputs = program.evaluate(
        mocks, stack, registration_threads=REGISTRATION_THREADS
    )
    return mocks.deployment
