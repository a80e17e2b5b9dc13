"""SNS topics and subscriptions."""

from localcloud.provisioning.core import EmulatorMocks, Properties, handles


@handles("aws:sns/topic:Topic")
def _topic(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    topic = mocks.physical_name(name, inputs, 256)
    attributes = (
        {"KmsMasterKeyId": inputs["kmsMasterKeyId"]} if inputs.get("kmsMasterKeyId") else {}
    )
    arn = mocks.client("sns").create_topic(Name=topic, Attributes=attributes)["TopicArn"]
    return arn, {"name": topic, "arn": arn}


@handles("aws:sns/topicPolicy:TopicPolicy")
def _topic_policy(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    mocks.client("sns").set_topic_attributes(
        TopicArn=inputs["arn"], AttributeName="Policy", AttributeValue=inputs["policy"]
    )
    return str(inputs["arn"]), {}


@handles("aws:sns/topicSubscription:TopicSubscription")
def _topic_subscription(
    mocks: EmulatorMocks, name: str, inputs: Properties
) -> tuple[str, Properties]:
    attributes = {"FilterPolicy": inputs["filterPolicy"]} if inputs.get("filterPolicy") else {}
    arn = mocks.client("sns").subscribe(
        TopicArn=inputs["topic"],
        Protocol=inputs["protocol"],
        Endpoint=inputs["endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return arn, {"arn": arn}
