"""The local console against the real program provisioned in a real emulator (no workers):
its picture has a box for every function, queue, state machine and rule the program made;
its server refuses what does not come from its own page; its redrive moves a DLQ's message
back; its event stream shows the rules an event matched by moto's matcher, and "observed"
only once a delivery was seen."""

import http.client
import json
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
import pytest

from localcloud.console.deliveries import Deliveries
from localcloud.console.model import Architecture
from localcloud.console.panels import Context
from localcloud.console.server import TOKEN_HEADER, ConsoleServer
from localcloud.console.stream import EventStream
from localcloud.console.svg import render
from localcloud.emulator import Emulator
from localcloud.harness import free_port
from localcloud.pollers import Mapping, Poller
from localcloud.provisioning import Deployment, EmulatorMocks, provision
from localcloud.provisioning.events import tap
from localcloud.scheduler import Schedule, Scheduler
from localcloud.workers import Console, Invocation
from scripts.ops import Stack
from tests import wait_for

SVG = "{http://www.w3.org/2000/svg}"
SCHEDULE = "aws:scheduler/schedule:Schedule"


@dataclass
class Provisioned:
    emulator: Emulator
    deployment: Deployment
    outputs: dict
    taps: dict[str, str]

    def aws(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.emulator.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def logical(self, typ: str, physical: str) -> str:
        """The program's name of a resource (ordering-rule) from its physical name."""
        [found] = [r.name for r in self.deployment.of_type(typ) if r.outputs["name"] == physical]
        return found


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory):
    emulator = Emulator("127.0.0.1", free_port(), tmp_path_factory.mktemp("console") / "emu.log")
    emulator.start()
    try:
        mocks = EmulatorMocks(
            emulator.url, "us-east-1", "http://127.0.0.1:9/", graphql_url="http://127.0.0.1:9/"
        )
        deployment = provision(mocks, "local")
        buses = [b.outputs["name"] for b in deployment.of_type("aws:cloudwatch/eventBus:EventBus")]
        taps = {bus: tap(mocks, bus) for bus in buses}
        outputs = deployment.outputs | {"awsEndpointUrl": emulator.url, "region": "us-east-1"}
        yield Provisioned(emulator, deployment, outputs, taps)
    finally:
        emulator.stop()


@pytest.fixture(scope="module")
def architecture(provisioned):
    return Architecture.from_deployment(provisioned.deployment)


@pytest.fixture(scope="module")
def deliveries():
    return Deliveries()


@pytest.fixture(scope="module")
def stream(provisioned, architecture, deliveries):
    mappings = provisioned.deployment.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
    watched = {m.inputs["eventSourceArn"] for m in mappings} | {
        r.target_arn for r in provisioned.deployment.relays
    }
    running = EventStream(
        provisioned.taps,
        architecture.rules,
        provisioned.aws("events"),
        provisioned.aws("sqs"),
        deliveries,
        watched,
        Console(),
    )
    running.start()
    yield running
    running.stop()


# The scheduler's clock, fixed: nothing fires on its own while the tests run (not started).
NOW = datetime(2026, 12, 1, 6, 7, tzinfo=UTC)


@pytest.fixture(scope="module")
def scheduler(provisioned):
    client = provisioned.aws("scheduler")
    schedules = [
        Schedule.from_description(client.get_schedule(Name=s.outputs["name"]))
        for s in provisioned.deployment.of_type("aws:scheduler/schedule:Schedule")
    ]
    return Scheduler(
        schedules, provisioned.aws("stepfunctions"), provisioned.aws("sqs"), Console(), lambda: NOW
    )


@pytest.fixture(scope="module")
def console(provisioned, architecture, stream, scheduler, tmp_path_factory):
    context = Context(
        outputs=provisioned.outputs,
        architecture=architecture,
        stream=stream,
        stack=Stack(provisioned.outputs),
        sqs=provisioned.aws("sqs"),
        stepfunctions=provisioned.aws("stepfunctions"),
        state_dir=tmp_path_factory.mktemp("state"),
        invocations=dict,
        scheduler=scheduler,
    )
    server = ConsoleServer("127.0.0.1", 0, context)
    server.start()
    yield server
    server.stop()


def request(console, method: str, path: str, headers: dict | None = None, body=None):
    """(status, JSON or text) of a raw request: every header as given, Host included."""
    connection = http.client.HTTPConnection("127.0.0.1", console.port, timeout=30)
    given = {"Host": f"127.0.0.1:{console.port}"} | (headers or {})
    data = json.dumps(body).encode() if body is not None else None
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for key, value in given.items():
        if value is not None:
            connection.putheader(key, value)
    connection.putheader("Content-Length", str(len(data or b"")))
    connection.endheaders(data)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    try:
        return response.status, json.loads(text)
    except ValueError:
        return response.status, text


def own_post(console, path: str, body: dict, **headers):
    """A POST as the console's own page makes it: its Origin and its token."""
    base = {"Origin": f"http://127.0.0.1:{console.port}", TOKEN_HEADER: console.token}
    return request(console, "POST", path, base | headers, body)


def depth(provisioned, output: str) -> int:
    attributes = provisioned.aws("sqs").get_queue_attributes(
        QueueUrl=provisioned.outputs[output],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


# -- the picture -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typ",
    [
        "aws:lambda/function:Function",
        "aws:sqs/queue:Queue",
        "aws:sfn/stateMachine:StateMachine",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:dynamodb/table:Table",
        "aws:sns/topic:Topic",
        "aws:cloudwatch/eventBus:EventBus",
        SCHEDULE,
    ],
)
def test_the_picture_has_a_box_for_each_resource_the_program_made(provisioned, architecture, typ):
    svg = ET.fromstring(render(architecture))  # noqa: S314 - our own SVG
    boxes = {
        g.get("data-key").split(":", 1)[1]
        for g in svg.iter(f"{SVG}g")
        if "box" in (g.get("class") or "").split()
    }
    made = {r.outputs["name"] for r in provisioned.deployment.of_type(typ)}
    assert made
    assert made <= boxes
    titles = {t.text for t in svg.iter(f"{SVG}title")}
    assert all(any(title.endswith(f": {name}") for title in titles) for name in made)


def test_the_picture_draws_the_rules_targets_and_dead_letter_paths(provisioned, architecture):
    edges = {(e.source, e.target, e.dashed) for e in architecture.edges}
    for target in provisioned.deployment.of_type("aws:cloudwatch/eventTarget:EventTarget"):
        rule = f"rule:{target.inputs['rule']}"
        reached = architecture.by_arn(target.inputs["arn"])  # an AppSync API's: drawn again
        assert (rule, reached.key, False) in edges
        dlq = architecture.by_arn(target.inputs["deadLetterConfig"]["arn"])
        assert (rule, dlq.key, True) in edges
    for schedule in provisioned.deployment.of_type(SCHEDULE):
        box = f"schedule:{schedule.outputs['name']}"
        target = schedule.inputs["target"]
        assert (box, architecture.by_arn(target["arn"]).key, False) in edges
        dlq = architecture.by_arn(target["deadLetterConfig"]["arn"])
        assert dlq.kind == "dlq"
        assert (box, dlq.key, True) in edges
    svg = render(architecture)
    assert svg.count('<path d="') == len(architecture.edges)


# -- the server's refusals ------------------------------------------------------------------


def test_the_page_embeds_a_token_made_at_each_start(console, provisioned, architecture, stream):
    status, page = request(console, "GET", "/")
    assert status == 200
    assert f'<meta name="console-token" content="{console.token}">' in page
    again = ConsoleServer("127.0.0.1", 0, console.context)
    try:
        assert again.token != console.token
        assert len(console.token) >= 40
    finally:
        again.server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}"])
def test_the_console_answers_its_own_host_names(console, host):
    status, _ = request(console, "GET", "/api/panels", {"Host": host.format(port=console.port)})
    assert status == 200


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "evil.example:{port}",  # a DNS rebinding page keeps its own name
        "127.0.0.1",
        "127.0.0.1:1",
        "localhost.evil.example:{port}",
        "0.0.0.0:{port}",
    ],
)
def test_a_request_for_another_host_is_refused(console, host):
    header = None if host is None else host.format(port=console.port)
    status, answer = request(console, "GET", "/api/queues/list", {"Host": header})
    assert status == 403
    assert "Host" in answer["message"]


def test_every_post_refusal_is_403_and_leaves_the_dlq_as_it_was(console, provisioned):
    sqs = provisioned.aws("sqs")
    dlq_key = f"queue:{provisioned.outputs['basketEventsDlqUrl'].rsplit('/', 1)[-1]}"
    sqs.send_message(QueueUrl=provisioned.outputs["basketEventsDlqUrl"], MessageBody="{}")
    body = {"queue": dlq_key}
    origin = f"http://127.0.0.1:{console.port}"
    wrong_token = "x" * len(console.token)
    refusals = {
        "no Origin": {TOKEN_HEADER: console.token},
        "another site": {"Origin": "http://evil.example", TOKEN_HEADER: console.token},
        "an opaque origin": {"Origin": "null", TOKEN_HEADER: console.token},
        "another port": {"Origin": "http://127.0.0.1:1", TOKEN_HEADER: console.token},
        "the other name": {
            "Origin": f"http://localhost:{console.port}",
            TOKEN_HEADER: console.token,
        },
        "https": {"Origin": f"https://127.0.0.1:{console.port}", TOKEN_HEADER: console.token},
        "no token": {"Origin": origin},
        "an empty token": {"Origin": origin, TOKEN_HEADER: ""},
        "a wrong token": {"Origin": origin, TOKEN_HEADER: wrong_token},
        "a prefix of the token": {"Origin": origin, TOKEN_HEADER: console.token[:-1]},
        "another Host": {
            "Host": "evil.example",
            "Origin": "http://evil.example",
            TOKEN_HEADER: console.token,
        },
    }
    for why, headers in refusals.items():
        status, answer = request(console, "POST", "/api/queues/redrive", headers, body)
        assert (why, status) == (why, 403), answer
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        status, _ = request(
            console,
            method,
            "/api/queues/redrive",
            {"Origin": origin, TOKEN_HEADER: console.token},
            body,
        )
        assert (method, status) == (method, 403)
    assert depth(provisioned, "basketEventsDlqUrl") == 1
    assert depth(provisioned, "basketEventsQueueUrl") == 0

    status, answer = own_post(console, "/api/queues/redrive", body)

    assert (status, answer["moved"], answer["action"]) == (200, 1, "redrive")
    assert depth(provisioned, "basketEventsDlqUrl") == 0
    assert depth(provisioned, "basketEventsQueueUrl") == 1


# -- redrive ---------------------------------------------------------------------------------


def test_the_queues_panel_lists_a_dlq_with_its_depth_and_redrive_moves_it_back(
    console, provisioned
):
    sqs = provisioned.aws("sqs")
    message = json.dumps({"poison": str(uuid.uuid4())})
    sqs.send_message(QueueUrl=provisioned.outputs["stockDlqUrl"], MessageBody=message)

    status, listing = request(console, "GET", "/api/queues/list")
    [dlq] = [
        q
        for q in listing["queues"]
        if q["name"] == provisioned.outputs["stockDlqUrl"].rsplit("/", 1)[-1]
    ]
    assert status == 200
    assert (dlq["dlq"], dlq["visible"] + dlq["inFlight"], dlq["action"]) == (True, 1, "redrive")

    status, answer = own_post(console, "/api/queues/redrive", {"queue": dlq["key"]})

    assert (status, answer["moved"]) == (200, 1)
    [moved] = sqs.receive_message(QueueUrl=provisioned.outputs["stockQueueUrl"], WaitTimeSeconds=1)[
        "Messages"
    ]
    assert moved["Body"] == message
    assert depth(provisioned, "stockDlqUrl") == 0


def test_a_dlq_no_runbook_empties_has_no_redrive(console, provisioned):
    status, listing = request(console, "GET", "/api/queues/list")
    outbox_dlq = provisioned.outputs["ordersOutboxDlqUrl"].rsplit("/", 1)[-1]
    [dlq] = [q for q in listing["queues"] if q["name"] == outbox_dlq]
    assert (status, dlq["dlq"], dlq["action"]) == (200, True, None)
    status, _ = own_post(console, "/api/queues/redrive", {"queue": dlq["key"]})
    assert status == 409
    status, _ = own_post(console, "/api/queues/redrive", {"queue": "table:nope"})
    assert status == 400


# -- the event stream ------------------------------------------------------------------------


def put_event(provisioned, source: str, detail_type: str, order_id: str) -> None:
    detail = {
        "metadata": {"eventId": str(uuid.uuid4()), "correlationId": order_id, "version": "1"},
        "data": {"orderId": order_id},
    }
    result = provisioned.aws("events").put_events(
        Entries=[
            {
                "EventBusName": provisioned.outputs["eventBusName"],
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
            }
        ]
    )
    assert result["FailedEntryCount"] == 0


def events_of(console, order_id: str, count: int) -> list[dict]:
    def listed():
        _, answer = request(console, "GET", f"/api/events/list?since=0&correlationId={order_id}")
        return answer["events"] if len(answer["events"]) >= count else None

    return wait_for(listed)


def test_the_stream_shows_the_rules_moto_matched_and_no_delivery_before_one_is_seen(
    console, provisioned
):
    order_id = str(uuid.uuid4())
    put_event(provisioned, "shop.basket", "CheckoutBasket", order_id)
    put_event(provisioned, "partner.elsewhere", "Unrelated", order_id)  # not shop.*

    checkout, unrelated = events_of(console, order_id, 2)

    rule = "aws:cloudwatch/eventRule:EventRule"
    assert (checkout["source"], checkout["detailType"], checkout["correlationId"]) == (
        "shop.basket",
        "CheckoutBasket",
        order_id,
    )
    assert {provisioned.logical(rule, m["rule"]) for m in checkout["matched"]} == {
        "ordering-rule",
        "audit-recorder-rule",
    }
    assert unrelated["matched"] == []
    # Matched is not observed: nothing has read the ordering queue or relayed to the audit yet.
    targets = [t for m in checkout["matched"] for t in m["targets"]]
    assert [t["observed"] for t in targets] == [False, False]


def test_a_delivery_is_observed_once_a_poller_receives_the_event_from_the_target_queue(
    console, provisioned, deliveries
):
    order_id = str(uuid.uuid4())
    stock_queue = provisioned.outputs["stockQueueUrl"]
    sqs = provisioned.aws("sqs")
    sqs.purge_queue(QueueUrl=stock_queue)
    put_event(provisioned, "shop.ordering", "OrderCreated", order_id)
    [created] = events_of(console, order_id, 1)
    by_rule = {
        provisioned.logical("aws:cloudwatch/eventRule:EventRule", m["rule"]): m["targets"]
        for m in created["matched"]
    }
    assert set(by_rule) == {"stock-rule", "audit-recorder-rule", "graphql-order-status-rule"}
    assert [t["observed"] for t in by_rule["stock-rule"]] == [False]
    # The order-status push gets a transformed input: its deliveries cannot be told apart.
    assert [t["observed"] for t in by_rule["graphql-order-status-rule"]] == [None]

    received = threading.Event()

    def invoke(_function: str, _event: dict) -> Invocation:
        received.set()
        return Invocation(request_id="r", payload={"batchItemFailures": []})

    queue_arn = sqs.get_queue_attributes(QueueUrl=stock_queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    poller = Poller(
        Mapping(queue_arn, stock_queue, "arn:f", 10, 0, True),
        sqs,
        invoke,
        Console(),
        deliveries.record,
    )
    poller.start()
    try:
        assert received.wait(15)
        [seen] = events_of(console, order_id, 1)
        observed = {
            provisioned.logical("aws:cloudwatch/eventRule:EventRule", m["rule"]): [
                t["observed"] for t in m["targets"]
            ]
            for m in seen["matched"]
        }
        assert observed["stock-rule"] == [True]
        assert observed["audit-recorder-rule"] == [False]  # no relay ran
    finally:
        poller.stop()
        poller.thread.join(timeout=5)


def test_events_per_minute_count_what_each_rule_matched(console, provisioned, stream):
    before = stream.per_minute()
    order_id = str(uuid.uuid4())
    put_event(provisioned, "shop.ordering", "OrderPaid", order_id)
    events_of(console, order_id, 1)
    after = stream.per_minute()
    rule = "aws:cloudwatch/eventRule:EventRule"
    grew = {provisioned.logical(rule, name) for name in after if after[name] > before.get(name, 0)}
    assert grew == {
        "ordering-rule",
        "basket-events-rule",
        "customer-notifier-rule",
        "audit-recorder-rule",
        "graphql-order-status-rule",
    }
    status, counts = request(console, "GET", "/api/architecture/counts")
    assert status == 200
    [ordering] = [n for n in counts if n.startswith("rule:ordering-rule")]
    assert counts[ordering]["text"] == f"{after[ordering.split(':', 1)[1]]} events/min"


# -- schedules -------------------------------------------------------------------------------


def test_the_schedules_panel_lists_each_schedule_with_its_next_fire_time(console, provisioned):
    status, answer = request(console, "GET", "/api/schedules/list")

    assert status == 200
    by_name = {s["name"]: s for s in answer["schedules"]}
    names = {s.outputs["name"] for s in provisioned.deployment.of_type(SCHEDULE)}
    assert set(by_name) == names
    sweeper = by_name[provisioned.outputs["sweeperScheduleName"]]
    # rate(1 minute) in the local stack: at once, then every minute (from the scheduler's start)
    assert (sweeper["expression"], sweeper["timezone"]) == ("rate(1 minute)", "UTC")
    assert datetime.fromisoformat(sweeper["next"]) == NOW
    assert sweeper["target"] == provisioned.outputs["sweeperArn"].rsplit(":", 1)[-1]
    report = by_name[provisioned.outputs["salesReportScheduleName"]]
    # cron(5 0 * * ? *) in Europe/London: 00:05 there, the next day after 06:07 UTC
    assert datetime.fromisoformat(report["next"]) == datetime(2026, 12, 2, 0, 5, tzinfo=UTC)
    assert report["lastExecution"] is None


def test_fire_now_starts_the_schedules_machine_as_the_scheduler_would(console, provisioned):
    name = provisioned.outputs["salesReportScheduleName"]

    status, answer = own_post(console, "/api/schedules/fire", {"schedule": name})

    assert status == 200, answer
    execution = provisioned.aws("stepfunctions").describe_execution(
        executionArn=answer["execution"]
    )
    assert execution["stateMachineArn"] == provisioned.outputs["salesReportArn"]
    assert json.loads(execution["input"])["scheduledTime"]  # the schedule's own input
    _, listed = request(console, "GET", "/api/schedules/list")
    [report] = [s for s in listed["schedules"] if s["name"] == name]
    assert report["lastExecution"] == answer["execution"]


def test_fire_now_refuses_an_unknown_schedule_and_a_post_without_the_token(console):
    status, answer = own_post(console, "/api/schedules/fire", {"schedule": "no-such-schedule"})
    assert status == 400
    assert "schedule" in answer["message"]

    status, _ = request(
        console,
        "POST",
        "/api/schedules/fire",
        {"Origin": f"http://127.0.0.1:{console.port}"},  # no token
        {"schedule": "no-such-schedule"},
    )
    assert status == 403
