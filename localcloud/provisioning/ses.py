"""SES: the sender's identity, the configuration set and its event destination.

moto lets an identity send as soon as it exists (it does no DNS, so no DKIM
verification) and sends nothing: the outbox reads what it would have sent
(localcloud/outbox.py). moto's SES v2 has no event destinations, so the
configuration set's is created through SES v1, which shares moto's backend."""

from localcloud.provisioning.core import EmulatorMocks, Properties, handles


@handles("aws:sesv2/configurationSet:ConfigurationSet")
def _configuration_set(
    mocks: EmulatorMocks, name: str, inputs: Properties
) -> tuple[str, Properties]:
    set_name = inputs["configurationSetName"]
    suppressed = (inputs.get("suppressionOptions") or {}).get("suppressedReasons")
    mocks.client("sesv2").create_configuration_set(
        ConfigurationSetName=set_name,
        **({"SuppressionOptions": {"SuppressedReasons": suppressed}} if suppressed else {}),
    )
    return set_name, {"arn": mocks.arn("ses", f"configuration-set/{set_name}")}


@handles("aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination")
def _event_destination(
    mocks: EmulatorMocks, name: str, inputs: Properties
) -> tuple[str, Properties]:
    destination = inputs["eventDestination"]
    sns = destination.get("snsDestination") or {}
    mocks.client("ses").create_configuration_set_event_destination(
        ConfigurationSetName=inputs["configurationSetName"],
        EventDestination={
            "Name": inputs["eventDestinationName"],
            "Enabled": bool(destination.get("enabled")),
            "MatchingEventTypes": [t.lower() for t in destination["matchingEventTypes"]],
            **({"SNSDestination": {"TopicARN": sns["topicArn"]}} if sns else {}),
        },
    )
    return f"{inputs['configurationSetName']}|{inputs['eventDestinationName']}", {}


@handles("aws:sesv2/emailIdentity:EmailIdentity")
def _email_identity(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    identity = inputs["emailIdentity"]
    result = mocks.client("sesv2").create_email_identity(
        EmailIdentity=identity,
        **(
            {"ConfigurationSetName": inputs["configurationSetName"]}
            if inputs.get("configurationSetName")
            else {}
        ),
    )
    tokens = (result.get("DkimAttributes") or {}).get("Tokens") or []
    return identity, {
        "arn": mocks.arn("ses", f"identity/{identity}"),
        "dkimSigningAttributes": {**(inputs.get("dkimSigningAttributes") or {}), "tokens": tokens},
    }
