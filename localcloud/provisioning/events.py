"""EventBridge buses, archives, rules and targets."""

from typing import Any

from localcloud.provisioning.core import EmulatorMocks, Properties, Relay, as_int, handles

# Targets that make moto's PutEvents fail (HTTP 500, nothing delivered to any
# target): the local cloud relays them (localcloud/relay.py).
RELAYED_SERVICES = {
    "sns": "SNS topics",
    "states": "Step Functions state machines",
    "appsync": "AppSync GraphQL APIs",
}

# The console's tap (tap()): a rule of the local cloud's own on each bus, matching every event.
TAP_PREFIX = "localcloud-tap-"
TAP_PATTERN = '{"source": [{"prefix": ""}]}'


@handles("aws:cloudwatch/eventBus:EventBus")
def _event_bus(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    bus = mocks.physical_name(name, inputs)
    arn = mocks.client("events").create_event_bus(Name=bus)["EventBusArn"]
    return bus, {"name": bus, "arn": arn}


@handles("aws:cloudwatch/eventArchive:EventArchive")
def _event_archive(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    archive = mocks.physical_name(name, inputs, 48)
    optional = {
        "EventPattern": inputs.get("eventPattern"),
        "RetentionDays": as_int(inputs["retentionDays"]) if "retentionDays" in inputs else None,
        "Description": inputs.get("description"),
    }
    arn = mocks.client("events").create_archive(
        ArchiveName=archive,
        EventSourceArn=inputs["eventSourceArn"],
        **{k: v for k, v in optional.items() if v is not None},
    )["ArchiveArn"]
    return archive, {"name": archive, "arn": arn}


@handles("aws:cloudwatch/eventRule:EventRule")
def _event_rule(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
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
def _event_target(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    target_id = inputs.get("targetId") or mocks.physical_name(name, {})
    target: dict[str, Any] = {"Id": target_id, "Arn": inputs["arn"]}
    if inputs.get("deadLetterConfig"):
        target["DeadLetterConfig"] = {"Arn": inputs["deadLetterConfig"]["arn"]}
    if inputs.get("retryPolicy"):
        retry = inputs["retryPolicy"]
        target["RetryPolicy"] = {
            "MaximumRetryAttempts": as_int(retry["maximumRetryAttempts"]),
            "MaximumEventAgeInSeconds": as_int(retry["maximumEventAgeInSeconds"]),
        }
    if inputs.get("input") is not None:
        target["Input"] = inputs["input"]
    if inputs.get("inputPath") is not None:
        target["InputPath"] = inputs["inputPath"]
    if inputs.get("inputTransformer"):
        transformer = inputs["inputTransformer"]
        target["InputTransformer"] = {
            "InputPathsMap": transformer.get("inputPaths") or {},
            "InputTemplate": transformer["inputTemplate"],
        }
    if inputs["arn"].split(":")[2] in RELAYED_SERVICES:
        target["Arn"] = _relay_queue(mocks, inputs, target_id)
    bus = inputs.get("eventBusName", "default")
    result = mocks.client("events").put_targets(
        Rule=inputs["rule"], EventBusName=bus, Targets=[target]
    )
    if result.get("FailedEntryCount"):
        raise RuntimeError(f"target {name} was not created: {result['FailedEntries']}")
    return f"{bus}-{inputs['rule']}-{target_id}", {"targetId": target_id}


def _hidden_queue(mocks: EmulatorMocks, name: str) -> tuple[str, str]:
    """A queue of the local cloud's own (not the program's) that a rule delivers to: its URL
    and ARN."""
    name = name[:80]
    return mocks.client("sqs").create_queue(QueueName=name)["QueueUrl"], mocks.arn("sqs", name)


def tap(mocks: EmulatorMocks, bus: str) -> str:
    """The console's tap on a bus: a hidden rule matching every event, delivering (as the
    relay's targets do) to a hidden queue, whose URL this returns."""
    name = f"{TAP_PREFIX}{bus}"[:64]
    events = mocks.client("events")
    events.put_rule(
        Name=name,
        EventBusName=bus,
        EventPattern=TAP_PATTERN,
        Description="the local console's tap: every event on the bus (not the program's)",
        State="ENABLED",
    )
    url, arn = _hidden_queue(mocks, name)
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
    return url


def _relay_queue(mocks: EmulatorMocks, inputs: Properties, target_id: str) -> str:
    """A hidden queue standing in for a target moto cannot deliver to; its ARN."""
    rule, target_arn = inputs["rule"], inputs["arn"]
    url, arn = _hidden_queue(mocks, f"localcloud-relay-{rule}-{target_id}")
    graphql: dict[str, Any] = {}
    if target_arn.split(":")[2] == "appsync":
        # arn:aws:appsync:<region>:<account>:endpoints/graphql-api/<endpoint id>: on AWS the
        # first label of the API's GraphQL host; the local host (127.0.0.1) has none, and
        # the local cloud serves one API.
        endpoint_id = target_arn.rsplit("/", 1)[-1]
        urls = mocks.graphql_apis
        if endpoint_id not in urls and len(urls) != 1:
            raise ValueError(f"no GraphQL API for the target {target_arn}")
        graphql = {
            "graphql_operation": (inputs.get("appsyncTarget") or {})["graphqlOperation"],
            "role_arn": inputs.get("roleArn"),
            "graphql_url": urls.get(endpoint_id) or next(iter(urls.values())),
        }
    mocks.record_relay(Relay(target_arn=target_arn, queue_url=url, rule=rule, **graphql))
    return arn
