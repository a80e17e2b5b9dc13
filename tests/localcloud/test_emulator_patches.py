"""The local cloud's patches of moto (localcloud/emulator_patches.py): their
targets are still where and what they were, nothing is patched outside the
tested moto versions, and a cached state machine program is safe to run by
concurrent executions."""

import copy
import enum
import json
import re
import subprocess
import sys
import threading
import time
import types

import boto3
import pytest
from botocore.config import Config

from localcloud import emulator_patches
from localcloud.emulator import Emulator
from localcloud.harness import free_port
from tests import ROOT
from workflows.order_workflow import definition as order_workflow


def test_every_patched_target_is_still_where_and_what_it_was():
    # A fresh interpreter: nothing imported yet, as in the emulator process.
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from localcloud import emulator_patches as p; "
            "print(json.dumps(p.problems()))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    problems = json.loads(found.stdout.strip().splitlines()[-1])
    assert problems == {}, (
        "moto changed under the local cloud's patches; update localcloud/emulator_patches.py "
        f"(and TESTED_MOTO) after checking each one: {json.dumps(problems, indent=2)}"
    )


@pytest.mark.parametrize(
    ("installed", "tested"),
    [
        ("5.2.5", True),
        ("5.2.12", True),
        ("5.2.6.dev3", True),
        ("5.2.4", False),
        ("5.3.0rc1", False),
        ("5.3.0", False),
        ("6.0.0", False),
    ],
)
def test_only_the_tested_moto_versions_are_patched(installed, tested):
    assert emulator_patches.moto_is_tested(installed) is tested


def test_outside_the_tested_range_nothing_is_patched_and_it_is_said_out_loud(monkeypatch):
    monkeypatch.setattr(emulator_patches, "version", lambda _: "5.3.0")
    said: list[str] = []

    applied = emulator_patches.apply(said.append)

    assert applied == []
    assert len(said) == len(emulator_patches.PATCHES)
    assert all("NOT applied" in line and "moto 5.3.0" in line for line in said)


# --- the cached ASL program ---------------------------------------------------------------

DEFINITION = json.dumps(
    order_workflow(
        orders_table="orders",
        event_bus="bus",
        payment_limit=1000,
        payment_failure_rate=0.5,
    )
)
_IMMUTABLE = (str, int, float, bool, bytes, type(None), type, enum.Enum, re.Pattern)


def _graph(root) -> dict[int, object]:
    """id → object for everything reachable from root through attributes and containers."""
    seen: dict[int, object] = {}
    stack = [root]
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen[id(value)] = value
        if isinstance(value, _IMMUTABLE):
            continue
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, (list, tuple, set, frozenset)):
            stack.extend(value)
        elif hasattr(value, "__dict__") and not isinstance(value, (type, types.FunctionType)):
            stack.append(vars(value))
    return seen


def _shape(value):
    """A comparable rendering of an object graph: types and values, not identities."""
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, dict):
        return {repr(_shape(k)): _shape(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_shape(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_shape(v)) for v in value)
    return (type(value).__qualname__, _shape(vars(value)))


@pytest.fixture
def parse():
    from moto.stepfunctions.parser.asl.parse.asl_parser import (  # noqa: PLC0415
        AmazonStateLanguageParser,
    )

    return lambda text: AmazonStateLanguageParser.parse(text)[0]


def test_a_definition_is_parsed_once_and_each_execution_gets_a_copy_of_its_own(parse):
    calls = []
    cache = emulator_patches.ProgramCache(lambda text: calls.append(text) or parse(text))

    first, second = cache.program(DEFINITION), cache.program(DEFINITION)

    assert calls == [DEFINITION]
    assert (cache.parses, cache.copies) == (1, 2)
    shared = {
        key: value
        for key, value in _graph(first).items()
        if key in _graph(second) and not isinstance(value, _IMMUTABLE)
    }
    assert shared == {}, "two executions would share (mutable) program state"
    assert isinstance(next(iter(cache._pristine.values())), bytes)  # kept pickled, not live


def test_a_program_that_cannot_be_pickled_is_deep_copied_instead(parse):
    def unpicklable(text):
        program = parse(text)
        program.hook = lambda: None  # pickle refuses a lambda; deepcopy shares it
        return program

    cache = emulator_patches.ProgramCache(unpicklable)
    first, second = cache.program(DEFINITION), cache.program(DEFINITION)

    assert first is not second
    assert first.states is not second.states
    assert _shape(vars(first.states)) == _shape(vars(parse(DEFINITION).states))


def test_a_copy_is_what_a_fresh_parse_gives(parse):
    cache = emulator_patches.ProgramCache(parse)
    cache.program(DEFINITION)

    assert _shape(cache.program(DEFINITION)) == _shape(parse(DEFINITION))
    assert _shape(copy.deepcopy(parse(DEFINITION))) == _shape(parse(DEFINITION))


def test_a_definition_that_does_not_parse_fails_as_before(parse):
    cache = emulator_patches.ProgramCache(parse)

    with pytest.raises(Exception, match="ASLParserException"):
        cache.program('{"StartAt": "A", "States": {"A": {"Type": "Nope"}}}')
    assert cache.parses == 0


# Each execution waits ($.wait), then a task that always fails is retried twice
# (retry counters live in the execution's environment), then caught.
CONCURRENT = json.dumps(
    {
        "StartAt": "Hold",
        "States": {
            "Hold": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Lookup"},
            "Lookup": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "no-such-table", "Key": {"id": {"S.$": "$.who"}}},
                "Retry": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "IntervalSeconds": 1,
                        "MaxAttempts": 2,
                        "BackoffRate": 1,
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}],
                "End": True,
            },
            "Done": {
                "Type": "Pass",
                "Parameters": {"who.$": "$.who", "greeting.$": "States.Format('hello {}', $.who)"},
                "End": True,
            },
        },
    }
)


@pytest.fixture
def emulator(tmp_path):
    running = Emulator("127.0.0.1", free_port(), tmp_path / "emulator.log")
    running.start()
    yield running
    running.stop()


def test_two_executions_of_one_cached_program_run_at_once_without_sharing_state(emulator):
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    patches = emulator.patches()
    assert "asl-program-cache" in patches["applied"]
    machine = sfn.create_state_machine(
        name="concurrent",
        definition=CONCURRENT,
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]

    slow = sfn.start_execution(
        stateMachineArn=machine, name="slow", input=json.dumps({"who": "slow", "wait": 2})
    )["executionArn"]
    fast = sfn.start_execution(
        stateMachineArn=machine, name="fast", input=json.dumps({"who": "fast", "wait": 0})
    )["executionArn"]
    described = {}
    deadline = time.monotonic() + 60
    while len(described) < 2 and time.monotonic() < deadline:
        for arn in (slow, fast):
            execution = sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                described[arn] = execution
        time.sleep(0.2)

    for arn, who in ((slow, "slow"), (fast, "fast")):
        assert described[arn]["status"] == "SUCCEEDED"
        assert json.loads(described[arn]["output"]) == {"who": who, "greeting": f"hello {who}"}
        history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        attempts = [e for e in history if e["type"] == "TaskScheduled"]
        assert len(attempts) == 3  # its own retry count: 1 + MaxAttempts, not shared
    # They ran at the same time: the fast one started and ended while the slow one ran.
    assert described[slow]["startDate"] <= described[fast]["startDate"]
    assert described[fast]["stopDate"] < described[slow]["stopDate"]
    stats = emulator.patches()["stats"]["asl-program-cache"]
    assert stats["executions"] == 2
    assert stats["parses"] == 1  # at the first execution; the second got a copy


@pytest.mark.parametrize(
    ("moto", "aws"),
    [
        ("2026-11-30T10:00:00.123456+00:00", "2026-11-30T10:00:00.123Z"),
        ("2026-11-30T10:00:00+00:00", "2026-11-30T10:00:00.000Z"),
        ("2026-11-30T11:00:00.999999+01:00", "2026-11-30T10:00:00.999Z"),
    ],
)
def test_entered_time_is_written_as_aws_does(moto, aws):
    assert emulator_patches.aws_timestamp(moto) == aws


def test_transactions_are_isolated_from_concurrent_writes(emulator):
    """Half the transactions fail their condition and roll back while the others
    commit: no committed write is lost to a rollback, nothing errors in the emulator."""
    assert "dynamodb-isolation" in emulator.patches()["applied"]

    def client():
        return boto3.client(
            "dynamodb",
            endpoint_url=emulator.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}),
        )

    setup = client()
    setup.create_table(
        TableName="stock",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    setup.put_item(TableName="stock", Item={"id": {"S": "lamp"}, "stock": {"N": "1000"}})
    failures: list[str] = []

    def take(worker: int) -> None:
        dynamodb = client()
        for n in range(10):
            wanted = 1 if n % 2 else 10_000  # every other one cannot be had: rolled back
            try:
                dynamodb.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": "stock",
                                "Key": {"id": {"S": "lamp"}},
                                "UpdateExpression": "SET stock = stock - :q",
                                "ConditionExpression": "stock >= :q",
                                "ExpressionAttributeValues": {":q": {"N": str(wanted)}},
                            }
                        },
                        {
                            "Put": {
                                "TableName": "stock",
                                "Item": {"id": {"S": f"r{worker}-{n}"}},
                                "ConditionExpression": "attribute_not_exists(id)",
                            }
                        },
                    ]
                )
            except dynamodb.exceptions.TransactionCanceledException:
                pass
            except Exception as error:
                failures.append(repr(error))

    threads = [threading.Thread(target=take, args=(w,)) for w in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    item = setup.get_item(TableName="stock", Key={"id": {"S": "lamp"}})["Item"]
    assert item["stock"] == {"N": str(1000 - 10 * 5)}
    records = setup.scan(TableName="stock")["Items"]
    assert len(records) == 1 + 10 * 5


def test_a_cancelled_transaction_leaves_no_stream_record_and_iterators_keep_reading(emulator):
    """As on AWS: a transaction refused by a condition writes nothing to a table's
    stream, and an iterator opened before it still sees the writes after it."""
    assert "dynamodb-stream-rollback" in emulator.patches()["applied"]
    settings = {
        "endpoint_url": emulator.url,
        "region_name": "us-east-1",
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    dynamodb = boto3.client("dynamodb", **settings)
    streams = boto3.client("dynamodbstreams", **settings)
    for name in ("state", "outbox"):
        dynamodb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
    arn = dynamodb.describe_table(TableName="outbox")["Table"]["LatestStreamArn"]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]

    def write(event: str, condition: str) -> None:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": "state",
                        "Item": {"id": {"S": "x"}},
                        "ConditionExpression": condition,
                    }
                },
                {"Put": {"TableName": "outbox", "Item": {"id": {"S": event}}}},
            ]
        )

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        write("refused", "attribute_exists(id)")  # no item "x" yet
    write("written", "attribute_not_exists(id)")

    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == ["written"]
    assert dynamodb.scan(TableName="outbox")["Items"] == [{"id": {"S": "written"}}]


def test_an_input_transformer_gets_the_event_time_as_aws_writes_it(emulator):
    assert "events-transformer-time" in emulator.patches()["applied"]
    clients = {
        service: boto3.client(
            service,
            endpoint_url=emulator.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        for service in ("events", "sqs")
    }
    events, sqs = clients["events"], clients["sqs"]
    queue = sqs.create_queue(QueueName="transformed")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="timed", EventPattern=json.dumps({"source": ["shop.test"]}))
    events.put_targets(
        Rule="timed",
        Targets=[
            {
                "Id": "q",
                "Arn": queue_arn,
                "InputTransformer": {
                    "InputPathsMap": {"at": "$.time", "kind": "$.detail-type"},
                    "InputTemplate": '{"at": "<at>", "kind": "<kind>"}',
                },
            }
        ],
    )
    events.put_events(Entries=[{"Source": "shop.test", "DetailType": "Tick", "Detail": "{}"}])

    [message] = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2)["Messages"]
    body = json.loads(message["Body"])
    assert body["kind"] == "Tick"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["at"]), body


def test_a_replay_sends_the_windows_events_to_the_rules_asked_for_only():
    """AWS's StartReplay, which moto ignores the window and FilterArns of unpatched."""
    from moto import mock_aws  # noqa: PLC0415

    emulator_patches.apply_fidelity()
    with mock_aws():
        events, sqs = boto3.client("events"), boto3.client("sqs")
        bus_arn = events.create_event_bus(Name="bus")["EventBusArn"]
        archive_arn = events.create_archive(ArchiveName="archive", EventSourceArn=bus_arn)[
            "ArchiveArn"
        ]
        queues, rules = {}, {}
        for name in ("asked", "other"):
            queues[name] = sqs.create_queue(QueueName=name)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=queues[name], AttributeNames=["QueueArn"])
            rules[name] = events.put_rule(
                Name=name, EventBusName="bus", EventPattern='{"source": ["s"]}'
            )["RuleArn"]
            events.put_targets(
                Rule=name,
                EventBusName="bus",
                Targets=[{"Id": name, "Arn": arn["Attributes"]["QueueArn"]}],
            )

        def put(n: int) -> None:
            entry = {
                "EventBusName": "bus",
                "Source": "s",
                "DetailType": "T",
                "Detail": f'{{"n": {n}}}',
            }
            assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0

        def drain(name: str) -> list[int]:
            found = []
            while messages := sqs.receive_message(
                QueueUrl=queues[name], MaxNumberOfMessages=10
            ).get("Messages"):
                for message in messages:
                    found.append(json.loads(message["Body"])["detail"]["n"])
                    sqs.delete_message(
                        QueueUrl=queues[name], ReceiptHandle=message["ReceiptHandle"]
                    )
            return sorted(found)

        put(1)
        time.sleep(1.1)
        start = time.time()
        put(2)
        end = time.time()
        time.sleep(1.1)
        put(3)
        assert drain("asked") == drain("other") == [1, 2, 3]

        events.start_replay(
            ReplayName="r",
            EventSourceArn=archive_arn,
            EventStartTime=start,
            EventEndTime=end,
            Destination={"Arn": bus_arn, "FilterArns": [rules["asked"]]},
        )

        assert events.describe_replay(ReplayName="r")["State"] == "COMPLETED"
        assert drain("asked") == [2]
        assert drain("other") == []


# --- Step Functions' AWS SDK integrations, a missed heartbeat, the sentiment stand-in ----


def test_sdk_parameters_take_the_apis_own_member_names_at_every_level():
    import botocore.session  # noqa: PLC0415

    session = botocore.session.get_session()
    succeed = session.get_service_model("stepfunctions").operation_model("SendTaskSuccess")
    assert emulator_patches.api_names({"TaskToken": "t", "Output": "{}"}, succeed.input_shape) == {
        "taskToken": "t",
        "output": "{}",
    }
    # PascalCase APIs are left as they are: attribute names (map keys) and types too.
    update = session.get_service_model("dynamodb").operation_model("UpdateItem")
    parameters = {
        "TableName": "t",
        "Key": {"pk": {"S": "a"}},
        "ExpressionAttributeValues": {":items": {"L": [{"M": {"Name": {"S": "x"}}}]}},
    }
    assert emulator_patches.api_names(parameters, update.input_shape) == parameters


def _run(sfn, definition: dict, name: str, given: dict | None = None) -> dict:
    machine = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/x"
    )["stateMachineArn"]
    execution = sfn.start_execution(
        stateMachineArn=machine, name=name, input=json.dumps(given or {})
    )["executionArn"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError(f"{name} still running")


@pytest.fixture
def in_process():
    from moto import mock_aws  # noqa: PLC0415

    emulator_patches.apply_fidelity()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


def test_a_state_calls_cognito_by_step_functions_name_for_it(in_process):
    idp, sfn = boto3.client("cognito-idp"), boto3.client("stepfunctions")
    pool = idp.create_user_pool(PoolName="pool", UsernameAttributes=["email"])["UserPool"]["Id"]
    user = idp.admin_create_user(
        UserPoolId=pool,
        Username="ada@example.com",
        UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
    )["User"]
    read = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:cognitoidentityprovider:adminGetUser",
        "Parameters": {"UserPoolId": pool, "Username.$": "$.sub"},
        "ResultSelector": {"to.$": "$.UserAttributes[?(@.Name=='email')].Value"},
        "End": True,
    }

    done = _run(
        sfn, {"StartAt": "Read", "States": {"Read": read}}, "read", {"sub": user["Username"]}
    )

    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"to": ["ada@example.com"]}


def _waiting(heartbeat: int, catchers: list[str]) -> dict:
    """A task that waits for a token no one sends, and ends in the state named after the
    first of `catchers` that matched its timeout."""
    return {
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:listActivities.waitForTaskToken",
                "Parameters": {},
                "HeartbeatSeconds": heartbeat,
                "TimeoutSeconds": 30,
                "Catch": [
                    {"ErrorEquals": [name], "ResultPath": "$.error", "Next": name.split(".")[1]}
                    for name in catchers
                ],
                "End": True,
            },
            **{name.split(".")[1]: {"Type": "Succeed"} for name in catchers},
        },
    }


def test_a_missed_heartbeat_is_a_heartbeat_timeout_that_timeout_catchers_catch_too(in_process):
    sfn = boto3.client("stepfunctions")

    named = _run(sfn, _waiting(1, ["States.HeartbeatTimeout", "States.Timeout"]), "named")
    timeout = _run(sfn, _waiting(1, ["States.Timeout"]), "timeout")

    assert json.loads(named["output"])["error"]["Error"] == "States.HeartbeatTimeout"
    history = sfn.get_execution_history(executionArn=timeout["executionArn"])["events"]
    assert [e["type"] for e in history][-3:] == [
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    [entered] = [e for e in history if e["type"] == "SucceedStateEntered"]
    assert entered["stateEnteredEventDetails"]["name"] == "Timeout"


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("Great lamp, I love it", "POSITIVE"),
        ("It arrived broken. Terrible.", "NEGATIVE"),
        ("Great colour but the switch is broken", "MIXED"),
        ("A lamp with a switch", "NEUTRAL"),
    ],
)
def test_the_sentiment_stand_in_answers_from_its_word_lists(in_process, text, sentiment):
    answer = boto3.client("comprehend").detect_sentiment(Text=text, LanguageCode="en")

    assert answer["Sentiment"] == sentiment
    scores = answer["SentimentScore"]
    assert max(scores, key=scores.get) == sentiment.capitalize()
    assert sum(scores.values()) == pytest.approx(1, abs=0.01)


def test_the_sentiment_stand_in_keeps_motos_checks_of_the_language_and_the_size(in_process):
    comprehend = boto3.client("comprehend")

    with pytest.raises(comprehend.exceptions.ClientError, match="languageCode"):
        comprehend.detect_sentiment(Text="great", LanguageCode="xx")
    with pytest.raises(comprehend.exceptions.TextSizeLimitExceededException):
        comprehend.detect_sentiment(Text="a" * 5001, LanguageCode="en")
