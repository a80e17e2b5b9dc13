"""SQS queues and their policies."""

from localcloud.provisioning.core import EmulatorMocks, Properties, handles

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
def _queue(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
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
def _queue_policy(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    mocks.client("sqs").set_queue_attributes(
        QueueUrl=inputs["queueUrl"], Attributes={"Policy": inputs["policy"]}
    )
    return inputs["queueUrl"], {}
