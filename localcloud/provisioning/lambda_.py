"""Lambda functions, their permissions and event source mappings."""

import base64
import hashlib
from pathlib import Path

from localcloud.provisioning.core import EmulatorMocks, Properties, as_int, handles


@handles("aws:lambda/function:Function")
def _function(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
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
        Timeout=as_int(inputs.get("timeout", 3)),
        MemorySize=as_int(inputs.get("memorySize", 128)),
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
    reserved = as_int(inputs.get("reservedConcurrentExecutions", -1))
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
def _permission(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
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
def _event_source_mapping(
    mocks: EmulatorMocks, name: str, inputs: Properties
) -> tuple[str, Properties]:
    # Created disabled: moto would invoke the function itself (in Docker). The
    # local cloud's pollers play the mapping instead, from these settings.
    scaling = inputs.get("scalingConfig") or {}
    mapping = mocks.client("lambda").create_event_source_mapping(
        EventSourceArn=inputs["eventSourceArn"],
        FunctionName=inputs["functionName"],
        BatchSize=as_int(inputs.get("batchSize", 10)),
        MaximumBatchingWindowInSeconds=as_int(inputs.get("maximumBatchingWindowInSeconds", 0)),
        FunctionResponseTypes=inputs.get("functionResponseTypes", []),
        Enabled=False,
        **(
            {"ScalingConfig": {"MaximumConcurrency": as_int(scaling["maximumConcurrency"])}}
            if scaling.get("maximumConcurrency") is not None
            else {}
        ),
    )
    uuid = mapping["UUID"]
    return uuid, {"uuid": uuid, "arn": mocks.arn("lambda", f"event-source-mapping:{uuid}")}
