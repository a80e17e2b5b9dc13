"""EventBridge Pipes. moto stores a pipe (create, describe) and moves nothing: the
local cloud plays each pipe from its stored definition (localcloud/pipes.py)."""

from typing import Any

from localcloud.provisioning.core import EmulatorMocks, Properties, as_int, handles

# Pulumi's names of a DynamoDB stream source's settings → the Pipes API's.
_STREAM_SETTINGS = {
    "startingPosition": "StartingPosition",
    "batchSize": "BatchSize",
    "maximumBatchingWindowInSeconds": "MaximumBatchingWindowInSeconds",
    "maximumRetryAttempts": "MaximumRetryAttempts",
    "maximumRecordAgeInSeconds": "MaximumRecordAgeInSeconds",
    "onPartialBatchItemFailure": "OnPartialBatchItemFailure",
    "parallelizationFactor": "ParallelizationFactor",
}


def _source_parameters(inputs: Properties) -> dict[str, Any]:
    given = inputs.get("sourceParameters") or {}
    parameters: dict[str, Any] = {}
    if given.get("filterCriteria"):
        parameters["FilterCriteria"] = {
            "Filters": [{"Pattern": f["pattern"]} for f in given["filterCriteria"]["filters"]]
        }
    stream = given.get("dynamodbStreamParameters")
    if stream:
        settings: dict[str, Any] = {
            api: value if isinstance(value, str) else as_int(value)
            for name, api in _STREAM_SETTINGS.items()
            if (value := stream.get(name)) is not None
        }
        if stream.get("deadLetterConfig"):
            settings["DeadLetterConfig"] = {"Arn": stream["deadLetterConfig"]["arn"]}
        parameters["DynamoDBStreamParameters"] = settings
    return parameters


def _target_parameters(inputs: Properties) -> dict[str, Any]:
    given = inputs.get("targetParameters") or {}
    parameters: dict[str, Any] = {}
    if given.get("inputTemplate") is not None:
        parameters["InputTemplate"] = given["inputTemplate"]
    bus = given.get("eventbridgeEventBusParameters")
    if bus:
        parameters["EventBridgeEventBusParameters"] = {
            api: bus[name]
            for name, api in (("source", "Source"), ("detailType", "DetailType"))
            if bus.get(name) is not None
        }
    return parameters


@handles("aws:pipes/pipe:Pipe")
def _pipe(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    pipe = mocks.physical_name(name, inputs)
    arn = mocks.client("pipes").create_pipe(
        Name=pipe,
        Description=inputs.get("description", ""),
        RoleArn=inputs["roleArn"],
        Source=inputs["source"],
        SourceParameters=_source_parameters(inputs),
        Target=inputs["target"],
        TargetParameters=_target_parameters(inputs),
        DesiredState=inputs.get("desiredState", "RUNNING"),
    )["Arn"]
    return pipe, {"name": pipe, "arn": arn}
