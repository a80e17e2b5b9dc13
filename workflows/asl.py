"""Amazon States Language building blocks the shop's workflows share: retries of
transient errors, catch-alls, a declared event put on the bus, the definition itself."""

from dataclasses import dataclass
from typing import Any

from shop_common.contracts import EVENTS, SCHEMA_VERSION, DetailType

State = dict[str, Any]  # a state, or a part of one, in Amazon States Language

_BACKOFF = {"IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0, "JitterStrategy": "FULL"}
DYNAMODB_TRANSIENT = [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.ThrottlingException",
    "DynamoDB.RequestLimitExceeded",
    "DynamoDB.InternalServerErrorException",
    "DynamoDB.InternalServerError",
]
EVENTS_TRANSIENT = [
    "EventBridge.FailedEntry",
    "EventBridge.ThrottlingException",
    "EventBridge.InternalException",
]
SNS_TRANSIENT = [
    "SNS.ThrottledException",
    "SNS.InternalErrorException",
    "SNS.KMSThrottlingException",
]
# AWS SDK integrations name errors <Service>.<Exception> (Step Functions' guide).
SES_TRANSIENT = ["SesV2.TooManyRequestsException"]
CONDITION_FAILED = "DynamoDB.ConditionalCheckFailedException"
# The same transient errors, as the AWS SDK integrations name them (DynamoDb.…, not the
# optimized integration's DynamoDB.…): Query and TransactWriteItems have no optimized one.
DYNAMODB_SDK_TRANSIENT = [name.replace("DynamoDB.", "DynamoDb.") for name in DYNAMODB_TRANSIENT]


@dataclass(frozen=True)
class Message:
    """What a customer is told: a subject, and a body that States.Format fills with the
    values at `values` (paths, in order)."""

    subject: str
    body: str  # States.Format template: each '{}' takes the next value
    values: tuple[str, ...]

    def format(self) -> str:
        """The body as an intrinsic function (its literal text escaped for ASL)."""
        template = self.body.replace("\\", "\\\\").replace("'", "\\'")
        return f"States.Format('{template}', {', '.join(self.values)})"


def retry(errors: list[str]) -> list[State]:
    return [{"ErrorEquals": [*errors, "States.Timeout"], **_BACKOFF}]


def catch_all(next_state: str) -> State:
    return {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": next_state}


def publish(
    bus: str,
    detail_type: DetailType,
    data: dict[str, str],
    next_state: str,
    correlation_id: str = "$.orderId",
) -> State:
    """PutEvents of a declared event: its source and the envelope from the events table.
    `data` maps each field to a JSONPath or an intrinsic function; `correlation_id` is the
    path of the id the event is about (the order's, unless said otherwise)."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::events:putEvents",
        "Parameters": {
            "Entries": [
                {
                    "EventBusName": bus,
                    "Source": EVENTS[detail_type].source.value,
                    "DetailType": detail_type.value,
                    "Detail": {
                        "metadata": {
                            "eventId.$": "States.UUID()",
                            "correlationId.$": correlation_id,
                            "version": SCHEMA_VERSION,
                        },
                        "data": {f"{key}.$": path for key, path in data.items()},
                    },
                }
            ]
        },
        "ResultPath": None,
        "Retry": retry(EVENTS_TRANSIENT),
        "Catch": [catch_all("EventNotPublished")],
        "Next": next_state,
    }


def send_email(
    *,
    sender: str,
    configuration_set: str,
    to: str,
    subject: str,
    body: str,
    on_error: str,
    next_state: str,
) -> State:
    """SES v2 SendEmail through the AWS SDK integration (there is no optimised SES one):
    simple UTF-8 text from `sender`, in the configuration set. `to` is a path or an
    intrinsic giving a list of addresses; `subject` and `body` are paths."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:sesv2:sendEmail",
        "Parameters": {
            "FromEmailAddress": sender,
            "ConfigurationSetName": configuration_set,
            "Destination": {"ToAddresses.$": to},
            "Content": {
                "Simple": {
                    "Subject": {"Data.$": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data.$": body, "Charset": "UTF-8"}},
                }
            },
        },
        "ResultPath": None,
        "Retry": retry(SES_TRANSIENT),
        "Catch": [catch_all(on_error)],
        "Next": next_state,
    }


# End states both workflows reach when a step after the decisive update fails.
AFTER_THE_FACT: dict[str, State] = {
    "EventNotPublished": {
        "Type": "Fail",
        "Error": "EventNotPublished",
        "Cause": "The order's change is stored but its event was not published.",
    },
}


def _targets(state: State) -> list[str]:
    targets = [state[key] for key in ("Next", "Default") if key in state]
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [catch["Next"] for catch in state.get("Catch", [])]
    return targets


def machine(comment: str, start_at: str, states: dict[str, State]) -> dict[str, Any]:
    """A state machine definition. End states (Succeed, Fail) that no path reaches are
    left out, since Step Functions rejects unreachable states (they are offered to a
    payment provider that may not fail, for instance); any other unreachable state, or a
    transition to a state that does not exist, is a ValueError."""
    reached, frontier = set(), [start_at]
    while frontier:
        name = frontier.pop()
        if name in reached:
            continue
        if name not in states:
            raise ValueError(f"a transition leads to {name!r}, which is not a state")
        reached.add(name)
        frontier.extend(_targets(states[name]))
    unreachable = [name for name in states if name not in reached]
    stranded = [name for name in unreachable if states[name]["Type"] not in ("Succeed", "Fail")]
    if stranded:
        raise ValueError(f"no path reaches {stranded}")
    return {
        "Comment": comment,
        "StartAt": start_at,
        "States": {name: state for name, state in states.items() if name in reached},
    }


def map_processor(start_at: str, states: dict[str, State]) -> dict[str, Any]:
    """An inline Map's states, checked as a machine's are."""
    checked = machine("", start_at, states)
    return {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": start_at, "States": checked["States"]}
