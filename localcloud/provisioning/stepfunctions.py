"""Step Functions state machines (moto runs their executions)."""

from localcloud.provisioning.core import EmulatorMocks, Properties, handles


@handles("aws:sfn/stateMachine:StateMachine")
def _state_machine(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    logging = inputs.get("loggingConfiguration") or {}
    machine_name = mocks.physical_name(name, inputs, 80)
    machine = mocks.client("stepfunctions").create_state_machine(
        name=machine_name,
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
    return machine["stateMachineArn"], {"arn": machine["stateMachineArn"], "name": machine_name}
