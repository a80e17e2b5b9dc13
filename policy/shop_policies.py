"""The shop's CrossGuard policies: the reliability and security defaults
(docs/architecture.md#reliability-and-security-defaults) as rules every resource of
every stack must follow. Each is mandatory.

The same policy objects run in two places: `pulumi preview --policy-pack policy`
(policy/__main__.py builds the pack from POLICIES) and `make test`, which evaluates them
on each stack's resources recorded under Pulumi mocks (policy/evaluate.py). Resource
policies read a resource's inputs, stack policies every resource's outputs, both with
the engine's camelCase names.

Unknown values: in a preview, a property that depends on an output not known yet
arrives as unknown, and pulumi-policy raises UnknownValueError when a policy reads it.
A policy judges each resource (or each relation between resources) on its own: one
that meets an unknown is left undecided, neither passed nor failed, and the others are
still judged. Once it has reported what it could judge, the policy raises the first
unknown again, which the SDK reports as an advisory "can't run policy ... during
preview" note.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from components.function import ARCHITECTURE, POWERTOOLS_LAYER_ACCOUNT, RUNTIME
from components.iam import LOG_DELIVERY_ACTIONS, TRACING_ACTIONS
from components.pipeline import PIPELINE_TAG
from components.queue_consumer import MAPPING_CONCURRENCY
from components.queues import DLQ_RETENTION_SECONDS
from components.schedule_expressions import problem as schedule_problem
from components.stack_settings import LOG_RETENTION_DAYS
from shop_common.metric_names import NAMESPACE

PACK_NAME = "shop"

QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
FUNCTION = "aws:lambda/function:Function"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
PIPE = "aws:pipes/pipe:Pipe"
SCHEDULE = "aws:scheduler/schedule:Schedule"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY = "aws:iam/policy:Policy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TABLE = "aws:dynamodb/table:Table"
TOPIC = "aws:sns/topic:Topic"
KMS_KEY = "aws:kms/key:Key"
STAGE = "aws:apigatewayv2/stage:Stage"
HTTP_API = "aws:apigatewayv2/api:Api"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
GRAPHQL_API = "aws:appsync/graphQLApi:GraphQLApi"
DATA_SOURCE = "aws:appsync/dataSource:DataSource"
CONFIGURATION_SET = "aws:sesv2/configurationSet:ConfigurationSet"
EMAIL_IDENTITY = "aws:sesv2/emailIdentity:EmailIdentity"
BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
PUBLIC_ACCESS_SETTINGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)
HTTPS_VIEWER_POLICIES = frozenset({"redirect-to-https", "https-only"})

# A work queue redrives to its DLQ after at least this many receives: fewer would
# dead-letter messages that only met a passing fault.
MIN_RECEIVE_COUNT = 5
SQS_BATCH_SIZE = (1, 10)  # no batching window: at most 10 records per invocation
FUNCTION_TIMEOUT_SECONDS = (1, 30)  # API Gateway waits at most 30 s
MIN_MEMORY_MB = 128
# Actions AWS offers no resource-level permissions for: the only ones allowed on "*".
RESOURCELESS_ACTIONS = frozenset(
    {
        *TRACING_ACTIONS,
        *LOG_DELIVERY_ACTIONS,
        "dynamodb:ListStreams",  # a pipe's: lists stream ARNs, reads no records
        "comprehend:DetectSentiment",  # the review analysis': a synchronous call on text
        "states:SendTaskSuccess",  # the case resumer's: a callback task token names no ARN
        "cloudwatch:PutMetricData",  # a state machine's metrics (the sweeper's): by namespace
    }
)
ACCESS_LOG_FIELDS = frozenset({"requestId", "status", "routeKey", "ip"})
SUPPRESSED_REASONS = frozenset({"BOUNCE", "COMPLAINT"})
STREAM_SOURCES = ("dynamodbStreamParameters", "kinesisStreamParameters")

ARN = re.compile(r"arn:aws[a-z-]*:")
SQS_ARN = re.compile(r"arn:aws[a-z-]*:sqs:")
LAMBDA_FUNCTION_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:")
# API Gateway's integration URI for a function: …:lambda:path/2015-03-31/functions/<arn>/…
LAMBDA_INTEGRATION_URI = re.compile(r"arn:aws[a-z-]*:apigateway:[^:]*:lambda:path/")
# Step Functions' Lambda integrations: the optimized one and the SDK one.
LAMBDA_TASK = re.compile(r"arn:aws[a-z-]*:states:::(aws-sdk:)?lambda:")
WAITING_TASK = re.compile(r"\.(sync(:\d+)?|waitForTaskToken)$")
POWERTOOLS_LAYER = re.compile(
    rf"arn:aws[a-z-]*:lambda:[a-z0-9-]+:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
    rf"AWSLambdaPowertoolsPythonV3-{RUNTIME.replace('.', '')}-{ARCHITECTURE}:\d+"
)

Props = Mapping[str, Any]
Check = Callable[[Props], Iterator[str]]


# --- reading properties ---------------------------------------------------------------


def _dig(value: Any, *path: str) -> Any:
    """The value at path in nested mappings, or None where a key is missing."""
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _items(value: Any) -> list[Any]:
    """A property or JSON value as a list (IAM takes a lone string for a list of one)."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [value]
    return list(value)


def _document(value: Any) -> Any:
    """A JSON document given as text (as the engine passes policies) or as an object."""
    return json.loads(value) if isinstance(value, str) else value


def _kind(resource_type: str) -> str:
    return resource_type.rsplit(":", 1)[-1]


def _is_lambda(reference: Any) -> bool:
    text = reference if isinstance(reference, str) else ""
    return bool(LAMBDA_FUNCTION_ARN.match(text) or LAMBDA_INTEGRATION_URI.match(text))


def _pipeline(resource: PolicyResource) -> Any:
    """The pipeline a resource is tagged as part of, or None."""
    return _dig(resource.props, "tags", PIPELINE_TAG)


# --- judging: a check that meets an unknown value decides nothing -----------------------


class _Undecided:
    """Runs checks, reporting what each finds; remembers the first unknown value that
    kept one from deciding, to raise it once everything decidable has been reported."""

    def __init__(self) -> None:
        self.first: UnknownValueError | None = None

    def judge(self, findings: Callable[[], Iterable[str]], report: Callable[[str], None]) -> None:
        try:
            for message in findings():
                report(message)
        except UnknownValueError as unknown:
            self.first = self.first or unknown

    def close(self) -> None:
        if self.first is not None:
            raise self.first


def _reporter(
    report_violation: ReportViolation, label: str, urn: str | None
) -> Callable[[str], None]:
    return lambda message: report_violation(f"{label}: {message}", urn)


def _resource_policy(
    name: str, description: str, types: Sequence[str], *checks: Check
) -> ResourceValidationPolicy:
    """A resource policy for the given types; each check judges on its own."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in types:
            return
        # The engine ignores a resource policy's urn: the violation is the resource's.
        report = _reporter(report_violation, f"{_kind(args.resource_type)} {args.name!r}", None)
        undecided = _Undecided()
        for check in checks:
            undecided.judge(partial(check, args.props), report)
        undecided.close()

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


class Stack:
    """Every resource of the stack, as a stack policy sees them (their outputs)."""

    def __init__(self, resources: Iterable[PolicyResource]) -> None:
        self.resources = list(resources)

    def of_type(self, resource_type: str) -> list[PolicyResource]:
        return [r for r in self.resources if r.resource_type == resource_type]

    def all(self, resource_type: str, matches: Callable[[Props], bool]) -> list[PolicyResource]:
        """Every resource of the type that matches. Unknown when one of the others could
        not be matched for an unknown value: it might match too."""
        found: list[PolicyResource] = []
        unknown: UnknownValueError | None = None
        for resource in self.of_type(resource_type):
            try:
                if matches(resource.props):
                    found.append(resource)
            except UnknownValueError as error:
                unknown = unknown or error
        if unknown is not None:
            raise unknown
        return found

    def first(self, resource_type: str, matches: Callable[[Props], bool]) -> PolicyResource | None:
        """A resource of the type that matches, or None. Unknown when none matches and
        some could not be matched for an unknown value."""
        unknown: UnknownValueError | None = None
        for resource in self.of_type(resource_type):
            try:
                if matches(resource.props):
                    return resource
            except UnknownValueError as error:
                unknown = unknown or error
        if unknown is not None:
            raise unknown
        return None

    def find(self, resource_type: str, key: str, value: Any) -> PolicyResource | None:
        """The resource of the type whose output `key` (arn, name, url) is `value`."""
        return self.first(resource_type, lambda props: props.get(key) == value)

    def dead_letter_references(
        self,
    ) -> tuple[list[tuple[PolicyResource, str]], UnknownValueError | None]:
        """(referrer, DLQ ARN) for each queue's redrive, target, stream pipe and schedule
        that names a DLQ, and the first unknown that hid one."""
        references: list[tuple[PolicyResource, str]] = []
        unknown: UnknownValueError | None = None
        for resource in self.resources:
            try:
                references += [(resource, arn) for arn in _dead_letter_arns(resource)]
            except UnknownValueError as error:
                unknown = unknown or error
        return references, unknown

    def is_dead_letter_queue(self, arn: Any) -> bool:
        """Whether something redrives to or dead-letters into this queue ARN; unknown
        when no known reference names it and some reference is unknown."""
        references, unknown = self.dead_letter_references()
        if any(dlq == arn for _, dlq in references):
            return True
        if unknown is not None:
            raise unknown
        return False


def _dead_letter_arns(resource: PolicyResource) -> list[str]:
    props = resource.props
    if resource.resource_type == QUEUE:
        arns = [_dig(_document(props.get("redrivePolicy")), "deadLetterTargetArn")]
    elif resource.resource_type == TARGET:
        arns = [_dig(props, "deadLetterConfig", "arn")]
    elif resource.resource_type == PIPE:
        arns = [
            _dig(props, "sourceParameters", kind, "deadLetterConfig", "arn")
            for kind in STREAM_SOURCES
        ]
    elif resource.resource_type == SCHEDULE:
        arns = [_dig(props, "target", "deadLetterConfig", "arn")]
    else:
        return []
    return [arn for arn in arns if arn]


StackCheck = Callable[[Stack, PolicyResource], Iterator[str]]


def _stack_policy(
    name: str, description: str, *checks: tuple[Sequence[str], StackCheck]
) -> StackValidationPolicy:
    """A stack policy: each check judges every resource of its types on its own."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        stack = Stack(args.resources)
        undecided = _Undecided()
        for types, check in checks:
            for resource in stack.resources:
                if resource.resource_type in types:
                    label = f"{_kind(resource.resource_type)} {resource.name!r}"
                    undecided.judge(
                        partial(check, stack, resource),
                        _reporter(report_violation, label, resource.urn),
                    )
        undecided.close()

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
    )


# --- resource policies -------------------------------------------------------------------


def _queue_encrypted(props: Props) -> Iterator[str]:
    if not (props.get("sqsManagedSseEnabled") or props.get("kmsMasterKeyId")):
        yield (
            "neither sqsManagedSseEnabled nor kmsMasterKeyId is set: its messages are "
            "stored unencrypted"
        )


def _mapping_reports_failures(props: Props) -> Iterator[str]:
    if "ReportBatchItemFailures" not in _items(props.get("functionResponseTypes")):
        yield (
            "functionResponseTypes lacks ReportBatchItemFailures: one bad record would "
            "make the whole batch be processed again"
        )


def _sqs_mapping_bounds(props: Props) -> Iterator[str]:
    if not SQS_ARN.match(props.get("eventSourceArn") or ""):
        return
    low, high = MAPPING_CONCURRENCY
    concurrency = _dig(props, "scalingConfig", "maximumConcurrency")
    if concurrency is None or not low <= concurrency <= high:
        yield (
            f"scalingConfig.maximumConcurrency is {concurrency}: cap the consumer's "
            f"concurrency between {low} and {high}"
        )
    batch = props.get("batchSize", SQS_BATCH_SIZE[1])  # SQS's default is 10
    if not SQS_BATCH_SIZE[0] <= batch <= SQS_BATCH_SIZE[1]:
        yield f"batchSize is {batch}: without a batching window an SQS batch is 1 to 10"


def _target_has_dlq(props: Props) -> Iterator[str]:
    if not _dig(props, "deadLetterConfig", "arn"):
        yield (
            "deadLetterConfig.arn is not set: an event EventBridge cannot deliver after "
            "its retries would be dropped"
        )


def _target_retries_explicitly(props: Props) -> Iterator[str]:
    retry = props.get("retryPolicy")
    if not retry:
        yield "retryPolicy is not set: give the target an explicit retry policy"
        return
    if not (retry.get("maximumRetryAttempts") or 0) > 0:
        yield "retryPolicy.maximumRetryAttempts is not above 0: a failed delivery is not retried"
    if not (retry.get("maximumEventAgeInSeconds") or 0) >= 60:
        yield "retryPolicy.maximumEventAgeInSeconds is under 60 (EventBridge's minimum)"


def _schedule_target(check: Check) -> Check:
    """A target check on a schedule's `target` (Scheduler retries and dead-letters the
    invocation of its target as EventBridge does an event's delivery)."""

    def on_target(props: Props) -> Iterator[str]:
        for message in check(props.get("target") or {}):
            yield f"target.{message}"

    return on_target


def _stream_pipe_retries_then_dead_letters(props: Props) -> Iterator[str]:
    for kind in STREAM_SOURCES:
        stream = _dig(props, "sourceParameters", kind)
        if stream is None:
            continue
        where = f"sourceParameters.{kind}"
        attempts = stream.get("maximumRetryAttempts")
        if attempts is None or not 1 <= attempts <= 10_000:
            yield f"{where}.maximumRetryAttempts is {attempts}: retry a failed batch 1-10000 times"
        age = stream.get("maximumRecordAgeInSeconds")
        if age is None or age < 60:
            yield (
                f"{where}.maximumRecordAgeInSeconds is {age}: give up on a record after "
                "a set age of at least 60 s (-1, forever, would block its shard)"
            )
        if stream.get("onPartialBatchItemFailure") != "AUTOMATIC_BISECT":
            yield f"{where}.onPartialBatchItemFailure is not AUTOMATIC_BISECT: find the bad record"
        if stream.get("startingPosition") != "TRIM_HORIZON":
            yield (
                f"{where}.startingPosition is not TRIM_HORIZON: records written before it "
                "ran would be lost"
            )
        if not _dig(stream, "deadLetterConfig", "arn"):
            yield f"{where}.deadLetterConfig.arn is not set: a record it gives up on would be lost"


def _statements(props: Props) -> Iterator[tuple[str, Mapping[str, Any]]]:
    document = _document(props.get("policy")) or {}
    for index, statement in enumerate(_items(document.get("Statement"))):
        yield f"statement {statement.get('Sid') or index}", statement


def _named_actions(props: Props) -> Iterator[str]:
    for name, statement in _statements(props):
        if statement.get("Effect") != "Allow":
            yield f"{name} has Effect {statement.get('Effect')!r}: statements allow what is needed"
        if "NotAction" in statement:
            yield f"{name} uses NotAction: it allows every action it does not list"
        for action in _items(statement.get("Action")):
            if "*" in action:
                yield f"{name} allows {action!r}: name each action"


def _named_resources(props: Props) -> Iterator[str]:
    for name, statement in _statements(props):
        if "NotResource" in statement:
            yield f"{name} uses NotResource: it applies to every resource it does not list"
        resources = _items(statement.get("Resource"))
        if not resources:
            yield f"{name} names no Resource"
        elif "*" in resources:
            if resources != ["*"]:
                yield f"{name} lists '*' beside named resources"
            narrowable = sorted(set(_items(statement.get("Action"))) - RESOURCELESS_ACTIONS)
            if narrowable:
                yield (
                    f"{name} allows {narrowable} on '*': these actions can be limited to "
                    "named resources (only actions without resource-level permissions may use '*')"
                )
        else:
            for resource in resources:
                if not ARN.match(resource):
                    yield f"{name} names {resource!r}, which is not an ARN"


def _function_platform(props: Props) -> Iterator[str]:
    architectures = _items(props.get("architectures"))
    if architectures != [ARCHITECTURE]:
        yield f"architectures is {architectures}: functions run on {ARCHITECTURE}"
    if props.get("runtime") != RUNTIME:
        yield f"runtime is {props.get('runtime')!r}: functions run {RUNTIME}"


def _function_size(props: Props) -> Iterator[str]:
    memory = props.get("memorySize")
    if memory is None or memory < MIN_MEMORY_MB:
        yield f"memorySize is {memory}: set it explicitly, at least {MIN_MEMORY_MB} MB"
    timeout = props.get("timeout")
    low, high = FUNCTION_TIMEOUT_SECONDS
    if timeout is None or not low <= timeout <= high:
        yield f"timeout is {timeout}: set it explicitly, {low} to {high} s"


def _function_observability(props: Props) -> Iterator[str]:
    if _dig(props, "tracingConfig", "mode") != "Active":
        yield "tracingConfig.mode is not Active: X-Ray traces would stop at the function"
    if _dig(props, "loggingConfig", "logFormat") != "JSON":
        yield "loggingConfig.logFormat is not JSON"
    if not _dig(props, "loggingConfig", "logGroup"):
        yield "loggingConfig.logGroup is not set: it would log to a group the stack does not keep"


def _function_powertools(props: Props) -> Iterator[str]:
    layers = _items(props.get("layers"))
    if len(layers) != 1 or not POWERTOOLS_LAYER.fullmatch(layers[0]):
        yield (
            f"layers is {layers}: exactly the AWS-managed Powertools layer "
            f"({POWERTOOLS_LAYER.pattern})"
        )
    variables = _dig(props, "environment", "variables") or {}
    if not variables.get("POWERTOOLS_SERVICE_NAME"):
        yield "environment variable POWERTOOLS_SERVICE_NAME is not set"
    if variables.get("POWERTOOLS_METRICS_NAMESPACE") != NAMESPACE:
        yield f"environment variable POWERTOOLS_METRICS_NAMESPACE is not {NAMESPACE!r}"


def _log_retention(props: Props) -> Iterator[str]:
    days = props.get("retentionInDays")
    if not days:
        yield "retentionInDays is not set: its logs would be kept forever"
    elif days not in LOG_RETENTION_DAYS:
        yield f"retentionInDays is {days}, which CloudWatch Logs does not accept"


def _table_recoverable(props: Props) -> Iterator[str]:
    if props.get("billingMode") != "PAY_PER_REQUEST":
        yield f"billingMode is {props.get('billingMode')!r}: tables are on demand (PAY_PER_REQUEST)"
    if _dig(props, "pointInTimeRecovery", "enabled") is not True:
        yield "pointInTimeRecovery is not enabled: the table could not be restored"
    if _dig(props, "serverSideEncryption", "enabled") is not True:
        yield "serverSideEncryption is not enabled"


def _topic_encrypted(props: Props) -> Iterator[str]:
    if not props.get("kmsMasterKeyId"):
        yield "kmsMasterKeyId is not set: its messages are stored unencrypted"


def _viewers_on_https(props: Props) -> Iterator[str]:
    behaviors = [
        ("defaultCacheBehavior", props.get("defaultCacheBehavior") or {}),
        *(
            (f"orderedCacheBehaviors[{i}]", behavior)
            for i, behavior in enumerate(_items(props.get("orderedCacheBehaviors")))
        ),
    ]
    for where, behavior in behaviors:
        policy = behavior.get("viewerProtocolPolicy")
        if policy not in HTTPS_VIEWER_POLICIES:
            yield f"{where}.viewerProtocolPolicy is {policy!r}: viewers must use HTTPS"


def _bucket_origins_use_access_control(props: Props) -> Iterator[str]:
    for origin in _items(props.get("origins")):
        if ".s3." in str(origin.get("domainName")) and not origin.get("originAccessControlId"):
            yield (
                f"origin {origin.get('originId')!r} reads a bucket without an "
                "originAccessControlId: the bucket would have to be public"
            )


def _key_rotates(props: Props) -> Iterator[str]:
    spec = props.get("customerMasterKeySpec") or props.get("keySpec") or "SYMMETRIC_DEFAULT"
    if spec == "SYMMETRIC_DEFAULT" and props.get("enableKeyRotation") is not True:
        yield "enableKeyRotation is not true"


def _stage_logs_and_throttles(props: Props) -> Iterator[str]:
    if not _dig(props, "accessLogSettings", "destinationArn"):
        yield "accessLogSettings.destinationArn is not set: requests would go unlogged"
    log_format = _dig(props, "accessLogSettings", "format") or ""
    try:
        fields = set(json.loads(log_format))
    except (ValueError, TypeError):
        fields = set()
    if not fields >= ACCESS_LOG_FIELDS:
        yield f"accessLogSettings.format is not a JSON object with {sorted(ACCESS_LOG_FIELDS)}"
    for limit in ("throttlingRateLimit", "throttlingBurstLimit"):
        if not (_dig(props, "defaultRouteSettings", limit) or 0) > 0:
            yield f"defaultRouteSettings.{limit} is not set above 0: the stage is not throttled"


def _machine_logs_and_traces(props: Props) -> Iterator[str]:
    logging = props.get("loggingConfiguration") or {}
    # Execution data holds customers' e-mail addresses and payment tokens.
    if logging.get("includeExecutionData"):
        yield "loggingConfiguration.includeExecutionData is true: logs would hold customer data"
    if not logging.get("logDestination"):
        yield "loggingConfiguration.logDestination is not set"
    level = logging.get("level") or "OFF"
    if props.get("type") == "EXPRESS" and level != "ALL":
        # An EXPRESS machine keeps no execution history: its log is the only record.
        yield f"loggingConfiguration.level is {level}: an EXPRESS machine logs ALL"
    elif level == "OFF":
        yield "loggingConfiguration.level is OFF: log at least the errors"
    if _dig(props, "tracingConfiguration", "enabled") is not True:
        yield "tracingConfiguration.enabled is not true"


def _task_states(states: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every Task state of an ASL States object, in branches and maps too."""
    for name, state in (states or {}).items():
        if state.get("Type") == "Task":
            yield name, state
        for branch in _items(state.get("Branches")):
            yield from _task_states(branch.get("States"))
        for inner in ("ItemProcessor", "Iterator"):
            yield from _task_states(_dig(state, inner, "States"))


def _express_does_not_wait(props: Props) -> Iterator[str]:
    if props.get("type") != "EXPRESS":
        return
    definition = _document(props.get("definition")) or {}
    for name, task in _task_states(definition.get("States")):
        if WAITING_TASK.search(str(task.get("Resource", ""))):
            yield (
                f"state {name} uses {task['Resource']}: an EXPRESS execution cannot wait "
                "for a job (.sync) or a task token (.waitForTaskToken)"
            )


def _schedule_valid(at_allowed: bool) -> Check:
    def check(props: Props) -> Iterator[str]:
        expression = props.get("scheduleExpression")
        if expression is None:
            return
        problem = schedule_problem(str(expression), at_allowed=at_allowed)
        if problem:
            yield f"scheduleExpression {expression!r}: {problem}"

    return check


def _configuration_set_protects_reputation(props: Props) -> Iterator[str]:
    suppressed = set(_items(_dig(props, "suppressionOptions", "suppressedReasons")))
    if not suppressed >= SUPPRESSED_REASONS:
        yield (
            f"suppressionOptions.suppressedReasons is {sorted(suppressed)}: suppress "
            "addresses that bounced or complained (BOUNCE, COMPLAINT)"
        )
    if _dig(props, "deliveryOptions", "tlsPolicy") != "REQUIRE":
        yield "deliveryOptions.tlsPolicy is not REQUIRE: mail could leave unencrypted"


def _identity_signs_and_sends_through_a_set(props: Props) -> Iterator[str]:
    if "@" in str(props.get("emailIdentity", "")):
        return  # an address identity signs with its domain's keys
    signing = props.get("dkimSigningAttributes") or {}
    if not signing.get("domainSigningPrivateKey") and (
        signing.get("nextSigningKeyLength") != "RSA_2048_BIT"
    ):
        yield "dkimSigningAttributes.nextSigningKeyLength is not RSA_2048_BIT"
    if not props.get("configurationSetName"):
        yield "configurationSetName is not set: its mail would skip the suppression and TLS rules"


# --- stack policies ----------------------------------------------------------------------


def _bucket_blocks_public_access(stack: Stack, bucket: PolicyResource) -> Iterator[str]:
    block = stack.find(PUBLIC_ACCESS_BLOCK, "bucket", bucket.props.get("bucket"))
    if block is None:
        yield "has no public access block: every public access must be blocked"
        return
    for setting in PUBLIC_ACCESS_SETTINGS:
        if block.props.get(setting) is not True:
            yield f"its public access block {block.name!r} does not set {setting}"


def _others(found: list[PolicyResource], resource: PolicyResource) -> list[str]:
    return sorted(r.name for r in found if r is not resource)


def _statements_of(stack: Stack, policy_type: str, key: str, value: Any) -> list[Any]:
    """The statements of every policy of the type attached by `key` (a role policy's
    role, a queue policy's queueUrl) to `value`."""
    return [
        statement
        for policy in stack.all(policy_type, lambda props: props.get(key) == value)
        for statement in _items(_dig(_document(policy.props.get("policy")), "Statement"))
    ]


def _work_queue_redrives(stack: Stack, queue: PolicyResource) -> Iterator[str]:
    redrive = _document(queue.props.get("redrivePolicy"))
    if redrive:
        count = redrive.get("maxReceiveCount")
        if count is None or count < MIN_RECEIVE_COUNT:
            yield (
                f"redrivePolicy.maxReceiveCount is {count}: at least {MIN_RECEIVE_COUNT}, so "
                "a passing fault does not send a message to the DLQ"
            )
    elif not stack.is_dead_letter_queue(queue.props.get("arn")):
        yield (
            "redrivePolicy is not set and it is no DLQ: a message that keeps failing would "
            f"be received until it expires; redrive it after at least {MIN_RECEIVE_COUNT} receives"
        )


def _dead_letter_queue_exists(stack: Stack, resource: PolicyResource) -> Iterator[str]:
    for arn in _dead_letter_arns(resource):
        if stack.find(QUEUE, "arn", arn) is None:
            yield f"its DLQ {arn} is not a queue of this stack: nothing keeps or watches it"


def _dead_letter_queue_keeps_and_alarms(stack: Stack, queue: PolicyResource) -> Iterator[str]:
    arn = queue.props.get("arn")
    references, unknown = stack.dead_letter_references()
    users = [referrer for referrer, dlq in references if dlq == arn]
    if not users:
        if unknown is not None:
            raise unknown  # one of the unknown references might name it
        return
    if len(users) > 1:
        yield (
            f"is the DLQ of {sorted(u.name for u in users)}: each queue, target and pipe has "
            "its own DLQ, so a message there says where it failed"
        )
    retention = queue.props.get("messageRetentionSeconds")
    if retention != DLQ_RETENTION_SECONDS:
        yield (
            f"messageRetentionSeconds is {retention}: a DLQ keeps messages "
            f"{DLQ_RETENTION_SECONDS} s (14 days, SQS's longest), time to redrive them"
        )
    name = queue.props.get("name")
    alarm = stack.first(
        ALARM,
        lambda props: (
            props.get("metricName") == "ApproximateNumberOfMessagesVisible"
            and _dig(props, "dimensions", "QueueName") == name
        ),
    )
    if alarm is None:
        yield (
            "no ApproximateNumberOfMessagesVisible alarm watches it: a failed message "
            "would go unnoticed"
        )


def _visibility_covers_consumer(stack: Stack, mapping: PolicyResource) -> Iterator[str]:
    source = mapping.props.get("eventSourceArn")
    if not SQS_ARN.match(source or ""):
        return
    consumer = mapping.props.get("functionName")
    queue = stack.find(QUEUE, "arn", source)
    function = stack.find(FUNCTION, "arn", consumer) or stack.find(FUNCTION, "name", consumer)
    if queue is None or function is None:
        return  # another stack's: nothing to compare with
    needed = 6 * (function.props.get("timeout") or 3) + (
        mapping.props.get("maximumBatchingWindowInSeconds") or 0
    )
    visibility = queue.props.get("visibilityTimeoutSeconds", 30)
    if visibility < needed:
        yield (
            f"queue {queue.name}'s visibilityTimeoutSeconds ({visibility:g}) is under six times "
            f"{function.name}'s timeout + the batching window ({needed:g}): a message would be "
            "received again while it is being processed"
        )


def _rule_of(stack: Stack, target: PolicyResource) -> PolicyResource | None:
    rule, bus = target.props.get("rule"), target.props.get("eventBusName") or "default"
    return stack.first(
        RULE,
        lambda props: props.get("name") == rule and (props.get("eventBusName") or "default") == bus,
    )


def _queues_accept_only_their_rule(stack: Stack, target: PolicyResource) -> Iterator[str]:
    rule = _rule_of(stack, target)
    if rule is None:
        return
    rule_arn = rule.props.get("arn")
    for role, arn in (
        ("target", target.props.get("arn")),
        ("DLQ", _dig(target.props, "deadLetterConfig", "arn")),
    ):
        if not SQS_ARN.match(arn or ""):
            continue  # another kind of target: no queue policy
        queue = stack.find(QUEUE, "arn", arn)
        if queue is None:
            continue  # sqs-dead-letter-queues reports a DLQ that is not this stack's
        statements = _statements_of(stack, QUEUE_POLICY, "queueUrl", queue.props.get("url"))
        only_the_rule = len(statements) == 1 and (
            statements[0].get("Principal") == {"Service": "events.amazonaws.com"}
            and _dig(statements[0], "Condition", "ArnEquals", "aws:SourceArn") == rule_arn
        )
        if not only_the_rule:
            yield (
                f"the queue policy of its {role} {queue.name} does not let rule {rule.name} "
                "send and no one else: one statement for events.amazonaws.com with "
                f"ArnEquals aws:SourceArn {rule_arn}"
            )


def _function_has_its_own_role(stack: Stack, function: PolicyResource) -> Iterator[str]:
    role_arn = function.props.get("role")
    sharing = _others(stack.all(FUNCTION, lambda props: props.get("role") == role_arn), function)
    if sharing:
        yield f"shares its role with {sharing}: each function has its own"
    role = stack.find(ROLE, "arn", role_arn)
    if role is None:
        yield f"its role {role_arn} is not a role of this stack"
        return
    trust = _items(_dig(_document(role.props.get("assumeRolePolicy")), "Statement"))
    principals = [statement.get("Principal") for statement in trust]
    if principals != [{"Service": "lambda.amazonaws.com"}]:
        yield f"its role {role.name} may be assumed by {principals}: only by lambda.amazonaws.com"


def _function_logs_to_its_own_group(stack: Stack, function: PolicyResource) -> Iterator[str]:
    group_name = _dig(function.props, "loggingConfig", "logGroup")
    if not group_name:
        return  # lambda-function-defaults reports it
    group = stack.find(LOG_GROUP, "name", group_name)
    if group is None:
        yield (
            f"loggingConfig.logGroup {group_name} is not a log group of this stack: its "
            "retention is not the stack's"
        )
        return
    sharing = _others(
        stack.all(FUNCTION, lambda props: _dig(props, "loggingConfig", "logGroup") == group_name),
        function,
    )
    if sharing:
        yield f"shares its log group with {sharing}: each function has its own"
    role = stack.find(ROLE, "arn", function.props.get("role"))
    if role is None:
        return  # _function_has_its_own_role reports it
    streams = f"{group.props.get('arn')}:*"
    statements = _statements_of(stack, ROLE_POLICY, "role", role.props.get("name"))
    if not any(streams in _items(statement.get("Resource")) for statement in statements):
        yield f"its role {role.name} may not write its own log streams ({streams})"


def _machine_alarms_on_failures(stack: Stack, machine: PolicyResource) -> Iterator[str]:
    arn = machine.props.get("arn")
    alarm = stack.first(
        ALARM,
        lambda props: (
            props.get("metricName") == "ExecutionsFailed"
            and _dig(props, "dimensions", "StateMachineArn") == arn
        ),
    )
    if alarm is None:
        yield "no ExecutionsFailed alarm watches it: a failed execution would go unnoticed"


def _log_destination(props: Props) -> Any:
    """The log group ARN a state machine or a stage writes to."""
    machine = _dig(props, "loggingConfiguration", "logDestination")
    if machine:
        return str(machine).removesuffix(":*")
    return _dig(props, "accessLogSettings", "destinationArn")


def _logs_to_its_own_group(stack: Stack, resource: PolicyResource) -> Iterator[str]:
    destination = _log_destination(resource.props)
    if not destination:
        return  # the resource policies report it
    if stack.find(LOG_GROUP, "arn", destination) is None:
        yield (
            f"logs to {destination}, not a log group of this stack: its retention is not "
            "the stack's"
        )
    sharing = _others(
        stack.all(resource.resource_type, lambda props: _log_destination(props) == destination),
        resource,
    )
    if sharing:
        yield f"shares its log group with {sharing}: each has its own"


def _lambda_is_not_tagged(stack: Stack, function: PolicyResource) -> Iterator[str]:
    pipeline = _pipeline(function)
    if pipeline:
        yield f"carries {PIPELINE_TAG}={pipeline}: pipeline {pipeline} has no Lambda function"


def _tagged_rule_targets_no_lambda(stack: Stack, target: PolicyResource) -> Iterator[str]:
    arn = target.props.get("arn")
    if not _is_lambda(arn):
        return
    rule = _rule_of(stack, target)
    pipeline = _pipeline(rule) if rule else None
    if rule and pipeline:
        yield f"rule {rule.name} of pipeline {pipeline} targets the Lambda function {arn}"


def _tagged_pipe_calls_no_lambda(stack: Stack, pipe: PolicyResource) -> Iterator[str]:
    pipeline = _pipeline(pipe)
    for key in ("target", "enrichment"):
        if pipeline and _is_lambda(pipe.props.get(key)):
            yield f"its {key} is the Lambda function {pipe.props.get(key)}, in pipeline {pipeline}"


def _tagged_machine_calls_no_lambda(stack: Stack, machine: PolicyResource) -> Iterator[str]:
    pipeline = _pipeline(machine)
    if not pipeline:
        return
    definition = _document(machine.props.get("definition")) or {}
    for name, task in _task_states(definition.get("States")):
        resource = str(task.get("Resource", ""))
        if LAMBDA_TASK.match(resource) or _is_lambda(resource):
            yield f"state {name} invokes Lambda ({resource}), in pipeline {pipeline}"


def _tagged_api_has_no_lambda_data_source(stack: Stack, source: PolicyResource) -> Iterator[str]:
    if source.props.get("type") != "AWS_LAMBDA":
        return
    api_id = source.props.get("apiId")
    # An AppSync API's ARN ends in apis/<id>.
    api = stack.first(GRAPHQL_API, lambda props: str(props.get("arn")).endswith(f"/{api_id}"))
    pipeline = _pipeline(api) if api else None
    if api and pipeline:
        yield f"a Lambda data source of GraphQL API {api.name}, in pipeline {pipeline}"


def _tagged_api_has_no_lambda_integration(
    stack: Stack, integration: PolicyResource
) -> Iterator[str]:
    if not _is_lambda(integration.props.get("integrationUri")):
        return
    api_id = integration.props.get("apiId")
    # An HTTP API's execution ARN ends in :<id>.
    api = stack.first(HTTP_API, lambda props: str(props.get("executionArn")).endswith(f":{api_id}"))
    pipeline = _pipeline(api) if api else None
    if api and pipeline:
        yield f"a Lambda integration of API {api.name}, in pipeline {pipeline}"


# --- the pack ----------------------------------------------------------------------------

POLICIES: list[Policy] = [
    _resource_policy(
        "sqs-queue-encrypted",
        "Every SQS queue is encrypted at rest (SQS-managed SSE or a KMS key).",
        [QUEUE],
        _queue_encrypted,
    ),
    _stack_policy(
        "sqs-work-queue-redrive",
        "Every queue that is not a DLQ redrives to one after at least "
        f"{MIN_RECEIVE_COUNT} receives.",
        ([QUEUE], _work_queue_redrives),
    ),
    _stack_policy(
        "sqs-dead-letter-queues",
        "Every DLQ (of a queue, an EventBridge target, a pipe or a schedule) is a queue of "
        "the stack, used by one referrer only, keeps messages 14 days and has an alarm.",
        ([QUEUE, TARGET, PIPE, SCHEDULE], _dead_letter_queue_exists),
        ([QUEUE], _dead_letter_queue_keeps_and_alarms),
    ),
    _resource_policy(
        "sqs-event-source-mapping",
        "Event source mappings report batch item failures; SQS ones cap their concurrency "
        "and take at most 10 records.",
        [MAPPING],
        _mapping_reports_failures,
        _sqs_mapping_bounds,
    ),
    _stack_policy(
        "sqs-visibility-covers-consumer",
        "A queue's visibility timeout is at least six times its consumer's timeout plus the "
        "batching window.",
        ([MAPPING], _visibility_covers_consumer),
    ),
    _resource_policy(
        "eventbridge-target-dlq-and-retry",
        "Every EventBridge target has a DLQ and an explicit retry policy.",
        [TARGET],
        _target_has_dlq,
        _target_retries_explicitly,
    ),
    _resource_policy(
        "scheduler-schedule-dlq-and-retry",
        "Every EventBridge Scheduler schedule's target has a DLQ and an explicit retry policy.",
        [SCHEDULE],
        _schedule_target(_target_has_dlq),
        _schedule_target(_target_retries_explicitly),
    ),
    _stack_policy(
        "sqs-queue-policy-only-its-rule",
        "A queue that an EventBridge rule sends to (as target or DLQ) accepts messages from "
        "that rule only.",
        ([TARGET], _queues_accept_only_their_rule),
    ),
    _resource_policy(
        "pipe-stream-retries-and-dlq",
        "A pipe reading a stream retries a failed batch a set number of times, bisects it, "
        "starts from the oldest record and sends what it gives up on to a DLQ.",
        [PIPE],
        _stream_pipe_retries_then_dead_letters,
    ),
    _resource_policy(
        "iam-named-actions",
        "Role policy statements allow named actions: no wildcard, no NotAction, no Deny.",
        [ROLE_POLICY, MANAGED_POLICY],
        _named_actions,
    ),
    _resource_policy(
        "iam-named-resources",
        "Role policy statements name resource ARNs; '*' only alone and only for actions "
        "without resource-level permissions.",
        [ROLE_POLICY, MANAGED_POLICY],
        _named_resources,
    ),
    _resource_policy(
        "lambda-function-defaults",
        f"Functions run {RUNTIME} on {ARCHITECTURE} with explicit memory and timeout, active "
        "tracing, JSON logs to a named group, and Powertools from the AWS-managed layer.",
        [FUNCTION],
        _function_platform,
        _function_size,
        _function_observability,
        _function_powertools,
    ),
    _stack_policy(
        "lambda-own-role-and-log-group",
        "Every function has its own role, trusted by Lambda only, and its own log group of "
        "the stack, whose streams its role may write.",
        ([FUNCTION], _function_has_its_own_role),
        ([FUNCTION], _function_logs_to_its_own_group),
    ),
    _resource_policy(
        "log-group-retention",
        "Every log group has a retention CloudWatch Logs accepts.",
        [LOG_GROUP],
        _log_retention,
    ),
    _stack_policy(
        "log-destinations-in-stack",
        "State machines and API stages log to a log group of their own in the stack.",
        ([STATE_MACHINE, STAGE], _logs_to_its_own_group),
    ),
    _resource_policy(
        "dynamodb-table-defaults",
        "Tables are on demand, with point-in-time recovery and encryption at rest.",
        [TABLE],
        _table_recoverable,
    ),
    _resource_policy(
        "sns-topic-encrypted",
        "Every SNS topic is encrypted with a KMS key.",
        [TOPIC],
        _topic_encrypted,
    ),
    _stack_policy(
        "s3-bucket-private",
        "Every S3 bucket has a public access block of the stack that blocks all four kinds "
        "of public access.",
        ([BUCKET], _bucket_blocks_public_access),
    ),
    _resource_policy(
        "cloudfront-https-and-origin-access",
        "CloudFront distributions redirect viewers to HTTPS (or accept HTTPS only) and read "
        "buckets through an origin access control.",
        [DISTRIBUTION],
        _viewers_on_https,
        _bucket_origins_use_access_control,
    ),
    _resource_policy(
        "kms-key-rotation",
        "Symmetric KMS keys rotate.",
        [KMS_KEY],
        _key_rotates,
    ),
    _resource_policy(
        "apigateway-stage-logs-and-throttling",
        "API stages write JSON access logs and throttle their routes.",
        [STAGE],
        _stage_logs_and_throttles,
    ),
    _resource_policy(
        "sfn-logging-and-tracing",
        "State machines log without execution data (EXPRESS ones every state) and are traced.",
        [STATE_MACHINE],
        _machine_logs_and_traces,
    ),
    _stack_policy(
        "sfn-failure-alarm",
        "Every state machine has an ExecutionsFailed alarm.",
        ([STATE_MACHINE], _machine_alarms_on_failures),
    ),
    _resource_policy(
        "sfn-express-no-wait-or-sync",
        "EXPRESS state machines use no .sync or .waitForTaskToken task (AWS refuses them).",
        [STATE_MACHINE],
        _express_does_not_wait,
    ),
    _resource_policy(
        "scheduler-schedule-expression",
        "EventBridge Scheduler schedules have a valid rate(), cron() or at() expression.",
        [SCHEDULE],
        _schedule_valid(at_allowed=True),
    ),
    _resource_policy(
        "eventbridge-rule-schedule-expression",
        "EventBridge rules' schedules are a valid rate() or cron() expression.",
        [RULE],
        _schedule_valid(at_allowed=False),
    ),
    _resource_policy(
        "ses-configuration-set-defaults",
        "SES configuration sets suppress bounced and complaining addresses and require TLS.",
        [CONFIGURATION_SET],
        _configuration_set_protects_reputation,
    ),
    _resource_policy(
        "ses-identity-dkim-and-configuration-set",
        "SES domain identities sign with 2048-bit DKIM keys and send through a configuration set.",
        [EMAIL_IDENTITY],
        _identity_signs_and_sends_through_a_set,
    ),
    _stack_policy(
        "no-lambda-in-pipelines",
        f"No Lambda function carries {PIPELINE_TAG} or is the target, integration, data "
        "source or task of a resource that does.",
        ([FUNCTION], _lambda_is_not_tagged),
        ([TARGET], _tagged_rule_targets_no_lambda),
        ([PIPE], _tagged_pipe_calls_no_lambda),
        ([STATE_MACHINE], _tagged_machine_calls_no_lambda),
        ([DATA_SOURCE], _tagged_api_has_no_lambda_data_source),
        ([INTEGRATION], _tagged_api_has_no_lambda_integration),
    ),
]
