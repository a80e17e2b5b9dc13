"""The relay delivers the EventBridge targets moto cannot: against a real emulator,
a rule whose targets are an SNS topic and a state machine is provisioned as the
program's would be, an event is put on the bus, and it arrives at both; and a rule whose
target is an AppSync API runs the target's mutation at the local AppSync as its role."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from pulumi.runtime import MockResourceArgs

from localcloud.emulator import Emulator
from localcloud.harness import free_port
from localcloud.provisioning import EmulatorMocks
from localcloud.relay import Relayer
from localcloud.workers import Console
from tests import wait_for
from tests.localcloud.appsync_app import role_credentials, start_notes

PASS_THROUGH = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
EVENT = {
    "Source": "shop.tests",
    "DetailType": "Ping",
    "Detail": json.dumps({"orderId": "o-1", "note": "hello"}),
}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    running = Emulator("127.0.0.1", free_port(), tmp_path_factory.mktemp("relay") / "emu.log")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def aws(emulator):
    def client(service: str):
        return boto3.client(
            service,
            endpoint_url=emulator.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    return client


def test_moto_still_fails_put_events_for_an_sns_target(aws):
    # The fact the relay exists for: should moto learn to deliver, drop the relay.
    events, sns = aws("events"), aws("sns")
    events.create_event_bus(Name="unrelayed")
    events.put_rule(Name="r", EventBusName="unrelayed", EventPattern='{"source":["shop.tests"]}')
    topic = sns.create_topic(Name="unrelayed")["TopicArn"]
    events.put_targets(Rule="r", EventBusName="unrelayed", Targets=[{"Id": "t", "Arn": topic}])
    with pytest.raises(ClientError):
        events.put_events(Entries=[EVENT | {"EventBusName": "unrelayed"}])


def test_sns_and_state_machine_targets_are_relayed_with_their_input_transformed(emulator, aws):
    events, sns, sqs, sfn = aws("events"), aws("sns"), aws("sqs"), aws("stepfunctions")
    mocks = EmulatorMocks(emulator.url, "us-east-1", "http://127.0.0.1:9/")

    def create(typ: str, name: str, inputs: dict) -> dict:
        _, outputs = mocks.new_resource(MockResourceArgs(typ, name, inputs))
        return outputs

    bus = create("aws:cloudwatch/eventBus:EventBus", "bus", {"name": "relayed"})
    rule = create(
        "aws:cloudwatch/eventRule:EventRule",
        "rule",
        {"name": "pings", "eventBusName": bus["name"], "eventPattern": '{"source":["shop.tests"]}'},
    )
    topic = sns.create_topic(Name="pings")["TopicArn"]
    observer = sqs.create_queue(QueueName="observer")["QueueUrl"]
    observer_arn = sqs.get_queue_attributes(QueueUrl=observer, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=observer_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    machine = sfn.create_state_machine(
        name="pings", definition=PASS_THROUGH, roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]
    common = {"rule": rule["name"], "eventBusName": bus["name"]}
    create(
        "aws:cloudwatch/eventTarget:EventTarget",
        "to-topic",
        common
        | {
            "targetId": "topic",
            "arn": topic,
            "inputTransformer": {
                "inputPaths": {"order": "$.detail.orderId"},
                "inputTemplate": '{"order": "<order>"}',
            },
        },
    )
    create(
        "aws:cloudwatch/eventTarget:EventTarget",
        "to-machine",
        common | {"targetId": "machine", "arn": machine},
    )
    assert {r.target_arn for r in mocks.deployment.relays} == {topic, machine}

    relayer = Relayer(mocks.deployment.relays, sqs, sns, sfn, Console())
    relayer.start()
    try:
        events.put_events(Entries=[EVENT | {"EventBusName": bus["name"]}])

        [message] = wait_for(lambda: sqs.receive_message(QueueUrl=observer).get("Messages"))
        assert json.loads(message["Body"]) == {"order": "o-1"}
        [execution] = wait_for(lambda: sfn.list_executions(stateMachineArn=machine)["executions"])
        started = sfn.describe_execution(executionArn=execution["executionArn"])
        assert json.loads(started["input"])["detail"] == {"orderId": "o-1", "note": "hello"}
        assert started["name"].startswith("relay-")
    finally:
        relayer.stop()


def test_a_redelivered_message_starts_no_second_execution(aws):
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name="once", definition=PASS_THROUGH, roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]
    from localcloud.provisioning.core import Relay  # noqa: PLC0415

    relay = Relay(target_arn=machine, queue_url="unused", rule="r")
    relayer = Relayer([relay], aws("sqs"), aws("sns"), sfn, Console())

    relayer.deliver(relay, "m-1", "{}")
    relayer.deliver(relay, "m-1", "{}")
    relayer.deliver(relay, "m-2", "{}")

    names = sorted(e["name"] for e in sfn.list_executions(stateMachineArn=machine)["executions"])
    assert names == ["relay-m-1", "relay-m-2"]


def test_moto_still_fails_put_events_for_an_appsync_target(aws):
    events = aws("events")
    api = aws("appsync").create_graphql_api(name="unrelayed", authenticationType="AWS_IAM")
    events.create_event_bus(Name="unrelayed-appsync")
    events.put_rule(
        Name="r", EventBusName="unrelayed-appsync", EventPattern='{"source":["shop.tests"]}'
    )
    endpoint = api["graphqlApi"]["arn"].replace(":apis/", ":endpoints/graphql-api/")
    events.put_targets(
        Rule="r",
        EventBusName="unrelayed-appsync",
        Targets=[
            {
                "Id": "t",
                "Arn": endpoint,
                "RoleArn": "arn:aws:iam::123456789012:role/r",
                "AppSyncParameters": {"GraphQLOperation": "mutation { x }"},
            }
        ],
    )
    with pytest.raises(ClientError):
        events.put_events(Entries=[EVENT | {"EventBusName": "unrelayed-appsync"}])


ADD_NOTE_FOR = (
    "mutation Add($owner: String!, $id: ID!, $text: String!) {"
    " addNoteFor(owner: $owner, id: $id, text: $text) { owner id text } }"
)


def test_an_appsync_target_runs_its_mutation_with_the_transformed_input_as_the_rules_role(
    emulator, aws
):
    notes = start_notes(emulator.url, "relayed-notes")
    notes.server.start()
    role_arn = role_credentials(emulator.url, "relay-to-appsync")["RoleArn"]

    def create(typ: str, name: str, inputs: dict) -> dict:
        _, outputs = notes.mocks.new_resource(MockResourceArgs(typ, name, inputs))
        return outputs

    bus = create("aws:cloudwatch/eventBus:EventBus", "bus", {"name": "to-appsync"})
    rule = create(
        "aws:cloudwatch/eventRule:EventRule",
        "rule",
        {"name": "notes", "eventBusName": bus["name"], "eventPattern": '{"source":["shop.tests"]}'},
    )
    endpoint = f"arn:aws:appsync:us-east-1:123456789012:endpoints/graphql-api/{notes.ids['api']}"
    create(
        "aws:cloudwatch/eventTarget:EventTarget",
        "to-api",
        {
            "rule": rule["name"],
            "eventBusName": bus["name"],
            "targetId": "graphql",
            "arn": endpoint,
            "roleArn": role_arn,
            "appsyncTarget": {"graphqlOperation": ADD_NOTE_FOR},
            "inputTransformer": {
                "inputPaths": {"order": "$.detail.orderId", "note": "$.detail.note"},
                "inputTemplate": '{"owner": "relay", "id": "<order>", "text": "<note>"}',
            },
            "deadLetterConfig": {"arn": "arn:aws:sqs:us-east-1:123456789012:unused-dlq"},
            "retryPolicy": {"maximumRetryAttempts": 2, "maximumEventAgeInSeconds": 60},
        },
    )
    [relay] = notes.mocks.deployment.relays
    assert (relay.service, relay.graphql_url) == ("appsync", notes.server.url)

    relayer = Relayer(
        [relay], aws("sqs"), aws("sns"), aws("stepfunctions"), Console(), sts=aws("sts")
    )
    relayer.start()
    try:
        aws("events").put_events(Entries=[EVENT | {"EventBusName": bus["name"]}])

        item = wait_for(
            lambda: (
                aws("dynamodb")
                .get_item(
                    TableName="relayed-notes", Key={"owner": {"S": "relay"}, "id": {"S": "o-1"}}
                )
                .get("Item")
            )
        )
    finally:
        relayer.stop()
        notes.server.stop()
    assert item["text"] == {"S": "hello"}
    # the resolver saw the rule's role as its IAM caller
    assert item["by"] == {
        "S": "arn:aws:sts::123456789012:assumed-role/relay-to-appsync/eventbridge"
    }
