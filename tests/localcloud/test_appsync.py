"""The local AppSync against a real emulator: a small API (appsync_fixtures/) declared with
pulumi-aws, provisioned by the local cloud's mocks, served over real HTTP and WebSockets.
Callers are real Cognito users (tokens the emulator issued) and a real IAM role session."""

import asyncio
import base64
import json
import re
import uuid

import pytest
from botocore.exceptions import ClientError
from gql import Client, gql
from gql.transport.appsync_auth import AppSyncJWTAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from pulumi.runtime import MockResourceArgs
from websockets.sync.client import connect

from localcloud import ROOT
from localcloud.appsync import schema
from localcloud.appsync.datasources import DynamoDB
from localcloud.appsync.definition import DataSource
from localcloud.appsync.js import CodeError, JsRuntime, check
from localcloud.emulator import Emulator
from localcloud.harness import free_port
from tests import wait_for
from tests.localcloud.appsync_app import client, role_credentials, start_notes

ADD_NOTE = (
    "mutation Add($id: ID, $text: String!) { addNote(id: $id, text: $text) { owner id text } }"
)
ON_NOTE = "subscription { onNote { owner id text createdAt } }"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    running = Emulator("127.0.0.1", free_port(), tmp_path_factory.mktemp("appsync") / "emu.log")
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def notes(emulator):
    served = start_notes(emulator.url, "notes")
    served.server.start()
    yield served
    served.server.stop()


@pytest.fixture(scope="module")
def alice(notes):
    return notes.token("alice")  # in the admins group


@pytest.fixture(scope="module")
def bob(notes):
    return notes.token("bob")


@pytest.fixture(scope="module")
def role(emulator):
    return role_credentials(emulator.url, "notes-caller")


def add_note(notes, token: str, text: str, note_id: str | None = None) -> dict:
    return notes.as_user(token, ADD_NOTE, id=note_id or str(uuid.uuid4()), text=text)


# -- the schema ------------------------------------------------------------------------------


EVERY_SCALAR_AND_DIRECTIVE = """
type Thing @aws_cognito_user_pools @aws_iam @aws_api_key @aws_oidc @aws_lambda {
  at: AWSDateTime
  day: AWSDate
  time: AWSTime
  stamp: AWSTimestamp
  email: AWSEmail
  json: AWSJSON
  url: AWSURL
  phone: AWSPhone
  ip: AWSIPAddress
  secret: String
    @aws_cognito_user_pools(cognito_groups: ["admins"])
    @aws_auth(cognito_groups: ["x"])
}
type Query { thing(json: AWSJSON, email: AWSEmail): Thing @aws_iam }
type Mutation { put(at: AWSDateTime!): Thing }
type Subscription { onPut: Thing @aws_subscribe(mutations: ["put"]) }
"""


def test_the_prelude_lets_an_sdl_use_every_appsync_scalar_and_directive():
    built = schema.build(EVERY_SCALAR_AND_DIRECTIVE)

    for name in schema.PRELUDE_SCALARS:
        assert name in built.type_map
    for name in schema.PRELUDE_DIRECTIVES:
        assert built.get_directive(name) is not None
    assert schema.subscribed_mutations(built) == {"put": ["onPut"]}
    rules = schema.auth_rules(built, schema.COGNITO)
    assert rules["Query", "thing"].modes == {schema.IAM}
    assert rules["Thing", "secret"].groups == ("admins", "x")
    assert rules["Thing", "at"].modes == {
        schema.COGNITO,
        schema.IAM,
        "API_KEY",
        "OPENID_CONNECT",
        "AWS_LAMBDA",
    }
    # AWSJSON reaches resolvers parsed; an invalid AWSEmail is refused before any resolver
    assert built.type_map["AWSJSON"].parse_value('{"a": [1]}') == {"a": [1]}
    with pytest.raises(Exception, match="Invalid AWSEmail"):
        built.type_map["AWSEmail"].parse_value("not-an-email")


def test_an_sdl_that_declares_an_appsync_scalar_or_directive_itself_still_builds():
    built = schema.build(
        "scalar AWSDateTime\ndirective @aws_iam on FIELD_DEFINITION | OBJECT\n"
        "type Query { at: AWSDateTime @aws_iam }"
    )

    assert schema.auth_rules(built, schema.COGNITO)["Query", "at"].modes == {schema.IAM}


# -- provisioning ----------------------------------------------------------------------------


def test_the_api_is_in_the_emulator_and_its_uris_are_the_local_appsyncs(notes, emulator):
    api = client(emulator.url, "appsync").get_graphql_api(apiId=notes.ids["api"])["graphqlApi"]

    assert api["authenticationType"] == "AMAZON_COGNITO_USER_POOLS"
    assert api["additionalAuthenticationProviders"] == [{"authenticationType": "AWS_IAM"}]
    assert notes.ids["uris"] == {
        "GRAPHQL": notes.server.url,
        "REALTIME": notes.server.realtime_url,
    }
    assert notes.server.realtime_url.startswith("ws://")
    [function] = [
        r
        for r in notes.mocks.deployment.of_type("aws:appsync/function:Function")
        if r.inputs["name"] == "greet"
    ]
    assert function.outputs["arn"].endswith(
        f"apis/{notes.ids['api']}/functions/{function.outputs['functionId']}"
    )
    assert not notes.mocks.deployment.unemulated


def test_code_appsync_would_refuse_is_refused_when_the_resolver_is_created(notes):
    with pytest.raises(ValueError, match="does not support 'while'"):
        notes.mocks.new_resource(
            MockResourceArgs(
                "aws:appsync/resolver:Resolver",
                "bad",
                {
                    "apiId": notes.ids["api"],
                    "type": "Query",
                    "field": "echo",
                    "kind": "UNIT",
                    "dataSource": "none",
                    "runtime": {"name": "APPSYNC_JS", "runtimeVersion": "1.0.0"},
                    "code": "export function request(ctx) { while (true) {} }",
                },
            )
        )


@pytest.mark.parametrize(
    ("code", "construct"),
    [
        ("try { a(); } catch (e) {}", "try"),
        ("let i = 0; i++;", "++"),
        ("for (let i = 0; i < 2; i = i + 1) {}", "for(;;)"),
        ("class A {}", "class"),
        ("export async function request(ctx) {}", "async"),
    ],
)
def test_the_runtimes_unsupported_statements_are_refused(code, construct):
    with pytest.raises(CodeError, match=re.escape(f"does not support {construct!r}")):
        check(code)


def test_words_in_strings_comments_and_property_names_are_not_statements():
    check("const o = { do: 1, catch: 2 }; const s = 'while'; o.do; // try\nfor (const x of []) {}")


def test_the_module_forms_appsync_takes_run_and_other_imports_are_refused():
    arrow = (
        "import * as appsync from '@aws-appsync/utils';\n"
        "export const request = (ctx) => ({ payload: appsync.util.isNull(ctx.args.x) });\n"
    )
    listed = (
        "import { util as u } from '@aws-appsync/utils';\n"
        "function request(ctx) { return u.autoId(); }\n"
        "export { request };\n"
    )
    ctx = {"arguments": {}, "stash": {}}
    runtime = JsRuntime()
    try:
        assert runtime.call(arrow, "request", ctx).value == {"payload": True}
        assert re.fullmatch(r"[0-9a-f-]{36}", runtime.call(listed, "request", ctx).value)
        assert runtime.call(listed, "response", ctx).kind == "missing"
        with pytest.raises(CodeError, match="provides only '@aws-appsync/utils'"):
            runtime.load("import * as ddb from '@aws-appsync/utils/dynamodb';")
        with pytest.raises(CodeError, match="exports no 'Context'"):
            runtime.load("import { util, Context } from '@aws-appsync/utils';")
    finally:
        runtime.close()


# -- resolvers -------------------------------------------------------------------------------


def test_a_unit_resolver_puts_and_gets_a_dynamodb_item(notes, alice):
    put = add_note(notes, alice, "first", "n-put")
    got = notes.as_user(alice, 'query { note(id: "n-put") { owner id text createdAt } }')

    assert put == {"data": {"addNote": {"owner": "alice", "id": "n-put", "text": "first"}}}
    assert got["data"]["note"]["text"] == "first"
    assert got["data"]["note"]["createdAt"].endswith("Z")
    stored = client(notes.emulator_url, "dynamodb").get_item(
        TableName=notes.table, Key={"owner": {"S": "alice"}, "id": {"S": "n-put"}}
    )["Item"]
    assert stored["text"] == {"S": "first"}


def test_a_failed_condition_is_ctx_error_with_appsyncs_type(notes, alice):
    add_note(notes, alice, "once", "n-twice")
    again = add_note(notes, alice, "twice", "n-twice")

    assert again["data"] == {"addNote": None}
    [error] = again["errors"]
    assert error["errorType"] == "DynamoDB:ConditionalCheckFailedException"
    assert error["path"] == ["addNote"]
    # AppSync: when the item already is what the request would write, the put succeeded
    # (here it differs: the text)
    kept = notes.as_user(alice, 'query { note(id: "n-twice") { text } }')
    assert kept["data"]["note"]["text"] == "once"


def test_a_query_pages_with_an_opaque_next_token(notes, bob, role):
    add_for = 'mutation A($id: ID!) { addNoteFor(owner: "pager", id: $id, text: "page") { id } }'
    for n in range(3):
        notes.as_role(role, add_for, id=f"p-{n}")
    query = (
        'query Page($next: String) { notesByOwner(owner: "pager", limit: 2, nextToken: $next)'
        " { items { id } nextToken } }"
    )

    pages = [notes.as_user(bob, query)["data"]["notesByOwner"]]
    while pages[-1]["nextToken"]:
        pages.append(notes.as_user(bob, query, next=pages[-1]["nextToken"])["data"]["notesByOwner"])

    assert [len(page["items"]) for page in pages][:2] == [2, 1]
    assert sorted(i["id"] for page in pages for i in page["items"]) == ["p-0", "p-1", "p-2"]
    bad = notes.as_user(bob, query, next="not-a-token")
    assert bad["data"]["notesByOwner"] is None


def test_update_item_with_a_condition_and_delete_item(notes, alice):
    add_note(notes, alice, "draft", "n-edit")
    rename = (
        "mutation R($text: String!, $expected: String!) {"
        ' renameNote(id: "n-edit", text: $text, expected: $expected) { text } }'
    )

    renamed = notes.as_user(alice, rename, text="final", expected="draft")
    stale = notes.as_user(alice, rename, text="other", expected="draft")
    removed = notes.as_user(alice, 'mutation { removeNote(id: "n-edit") { id text } }')
    gone = notes.as_user(alice, 'query { note(id: "n-edit") { id } }')

    assert renamed == {"data": {"renameNote": {"text": "final"}}}
    assert stale["errors"][0]["errorType"] == "DynamoDB:ConditionalCheckFailedException"
    assert removed == {"data": {"removeNote": {"id": "n-edit", "text": "final"}}}
    assert gone == {"data": {"note": None}}


def test_a_transaction_writes_all_or_nothing_and_says_why_it_was_cancelled(notes, bob):
    add_note(notes, bob, "original", "t-1")

    copied = notes.as_user(bob, 'mutation { copyNote(id: "t-1", to: "t-2") }')
    again = notes.as_user(bob, 'mutation { copyNote(id: "t-1", to: "t-2") }')
    orphan = notes.as_user(bob, 'mutation { copyNote(id: "none", to: "t-3") }')
    batch = notes.as_user(bob, 'query { notesByIds(ids: ["t-2", "t-3", "t-1"]) { id text } }')

    assert copied == {"data": {"copyNote": ["t-1", "t-2"]}}
    [error] = again["errors"]
    assert error["errorType"] == "DynamoDB:TransactionCanceledException"
    assert error["errorInfo"] == {"reasons": "None,ConditionalCheckFailed"}
    assert orphan["errors"][0]["errorInfo"] == {"reasons": "ConditionalCheckFailed,None"}
    # BatchGetItem keeps the keys' order, null where there is no item
    assert batch == {
        "data": {
            "notesByIds": [
                {"id": "t-2", "text": "copy of t-1"},
                None,
                {"id": "t-1", "text": "original"},
            ]
        }
    }


def test_an_eventbridge_data_source_puts_the_events_on_its_bus(notes, alice):
    events, sqs = client(notes.emulator_url, "events"), client(notes.emulator_url, "sqs")
    queue = sqs.create_queue(QueueName="announcements")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    bus = f"{notes.table}-bus"
    events.put_rule(Name="announced", EventBusName=bus, EventPattern='{"source":["notes.api"]}')
    events.put_targets(
        Rule="announced",
        EventBusName=bus,
        Targets=[{"Id": "q", "Arn": queue_arn["Attributes"]["QueueArn"]}],
    )

    answered = notes.as_user(alice, 'mutation { announce(text: "hello") }')

    result = json.loads(answered["data"]["announce"])
    assert result["FailedEntryCount"] == 0
    [entry] = result["Entries"]
    [message] = wait_for(
        lambda: sqs.receive_message(QueueUrl=queue).get("Messages"), timeout=10, interval=0.05
    )
    event = json.loads(message["Body"])
    assert event["id"] == entry["EventId"]
    assert (event["detail-type"], event["detail"]) == (
        "NoteAnnounced",
        {"text": "hello", "by": "alice"},
    )


def test_a_malformed_or_unknown_request_object_is_ctx_error(notes):
    source = DynamoDB(
        client(notes.emulator_url, "dynamodb"),
        DataSource("notes", "AMAZON_DYNAMODB", table_name=notes.table),
    )

    assert source({"operation": "GetItem"})[1]["type"] == "MappingTemplate"  # no key
    assert source({"operation": "Sync"})[1]["type"] == "MappingTemplate"
    assert source({"operation": "GetItem", "key": {"owner": "not typed"}})[1]["type"] in {
        "MappingTemplate",
        "DynamoDB:ValidationException",
    }


def test_a_pipeline_runs_its_functions_in_order_sharing_the_stash(notes, alice):
    add_note(notes, alice, "piped", "n-pipe")
    found = notes.as_user(alice, 'query { greeting(id: "n-pipe") missing: greeting(id: "none") }')

    assert found == {
        "data": {
            "greeting": "Hello, alice: piped",
            "missing": "Hello, alice: no note (after Hello)",
        }
    }


def test_a_none_data_source_returns_the_payload(notes, bob):
    assert notes.as_user(bob, 'query { echo(text: "hi") }') == {"data": {"echo": "hi (bob)"}}


def test_a_lambda_data_source_invokes_the_function_and_its_error_is_ctx_error(notes, alice):
    answered = notes.as_user(alice, 'query { lambdaEcho(text: "ping") }')
    failed = notes.as_user(alice, 'query { lambdaEcho(text: "boom") }')

    assert json.loads(answered["data"]["lambdaEcho"])["event"] == {
        "text": "ping",
        "field": "lambdaEcho",
    }
    [error] = failed["errors"]
    assert (error["errorType"], error["message"]) == ("Lambda:Unhandled", "boom!")


def test_a_direct_lambda_resolver_gets_appsyncs_event(notes, alice):
    answered = notes.as_user(alice, 'query { direct(text: "raw") }')

    event = json.loads(answered["data"]["direct"])["event"]
    assert event["arguments"] == {"text": "raw"}
    assert event["identity"]["username"] == "alice"
    assert event["identity"]["groups"] == ["admins"]
    assert event["info"] == {
        "fieldName": "direct",
        "parentTypeName": "Query",
        "variables": {},
        "selectionSetList": [],
        "selectionSetGraphQL": "",
    }
    assert set(event) == {"arguments", "identity", "source", "request", "info", "prev", "stash"}


def test_util_error_and_append_error_have_appsyncs_error_shape(notes, bob):
    answered = notes.as_user(bob, "query {\n  failing { id }\n}")

    assert answered["data"] == {"failing": None}
    refused, appended = answered["errors"]
    assert refused == {
        "path": ["failing"],
        "data": {"id": "n-1"},  # util.error's data, filtered by the selection set
        "errorType": "Custom:Refused",
        "errorInfo": {"hint": "x"},
        "locations": [{"line": 2, "column": 3, "sourceName": None}],
        "message": "Refused here",
    }
    assert (appended["message"], appended["errorType"]) == ("noted first", "Custom:Note")


def test_a_util_member_the_shim_lacks_fails_with_a_named_error(notes, bob):
    answered = notes.as_user(bob, "query { unknownUtil }")

    [error] = answered["errors"]
    assert error["errorType"] == "LocalAppSync:NotImplemented"
    assert error["message"].startswith(
        "util.transform.toElasticsearchQueryDSL is not implemented by the local AppSync shim"
    )


def test_every_member_the_shim_implements_is_listed_in_the_docs():
    runtime = JsRuntime()
    try:
        implemented = runtime.implemented()
    finally:
        runtime.close()
    documented = (ROOT / "docs" / "local-cloud.md").read_text()

    assert "util.error" in implemented
    assert [m for m in implemented if f"`{m}`" not in documented] == []


# -- authorization ---------------------------------------------------------------------------


def test_a_field_without_directives_is_for_the_default_mode_only(notes, role):
    answered = notes.as_role(role, 'query { echo(text: "x") }')

    assert answered["data"] == {"echo": None}
    [error] = answered["errors"]
    assert error["errorType"] == "Unauthorized"
    assert error["message"] == "Not Authorized to access echo on type Query"


def test_an_aws_iam_field_serves_a_signed_caller_as_its_role_and_refuses_pool_users(
    notes, role, bob
):
    as_role = notes.as_role(role, "query { whoami }")
    as_user = notes.as_user(bob, "query { whoami }")

    assert as_role["data"]["whoami"].endswith(
        "(arn:aws:sts::123456789012:assumed-role/notes-caller/tests)"
    )
    assert as_user["errors"][0]["message"] == "Not Authorized to access whoami on type Query"


def test_cognito_groups_admit_members_only(notes, alice, bob):
    assert notes.as_user(alice, 'query { adminEcho(text: "a") }') == {
        "data": {"adminEcho": "a (alice)"}
    }
    refused = notes.as_user(bob, 'query { adminEcho(text: "b") }')
    assert refused["errors"][0]["errorType"] == "Unauthorized"


def test_no_token_or_a_forged_one_is_401_before_any_resolver(notes, alice):
    header, claims, signature = alice.split(".")
    forged_claims = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged_claims["username"] = "mallory"
    forged = ".".join(
        [
            header,
            base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).decode().rstrip("="),
            signature,
        ]
    )
    before = len(notes.functions.events)

    for headers in ({}, {"Authorization": forged}, {"Authorization": "Bearer nonsense"}):
        response = notes.post('query { lambdaEcho(text: "x") }', **headers)
        assert response.status_code == 401
        assert response.json()["errors"][0]["errorType"] == "UnauthorizedException"
    assert len(notes.functions.events) == before


def test_cors_is_answered_for_browsers(notes):
    import requests  # noqa: PLC0415

    preflight = requests.options(
        notes.server.url,
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )

    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"]


# -- subscriptions ---------------------------------------------------------------------------


def test_gqls_appsync_transport_receives_the_subscribers_own_notes_only(notes, alice, bob):
    host = notes.server.url.split("/")[2]

    def transport(token: str) -> AppSyncWebsocketsTransport:
        return AppSyncWebsocketsTransport(
            url=notes.server.realtime_url, auth=AppSyncJWTAuthentication(host=host, jwt=token)
        )

    async def scenario() -> tuple[dict, dict, bool]:
        subscribed = notes.server.engine.subscriptions.count()
        loop = asyncio.get_running_loop()
        async with (
            Client(transport=transport(alice)) as as_alice,
            Client(transport=transport(bob)) as as_bob,
        ):
            alice_feed = as_alice.subscribe(gql(ON_NOTE))
            bob_feed = as_bob.subscribe(gql(ON_NOTE))
            alice_next = asyncio.ensure_future(alice_feed.__anext__())
            bob_next = asyncio.ensure_future(bob_feed.__anext__())
            await loop.run_in_executor(
                None, wait_for, lambda: notes.server.engine.subscriptions.count() == subscribed + 2
            )
            await loop.run_in_executor(None, add_note, notes, alice, "for alice", "s-alice")
            alices = await asyncio.wait_for(alice_next, 10)
            await asyncio.sleep(0.5)  # time enough for a push to bob, were there one
            bob_got_alices = bob_next.done()
            await loop.run_in_executor(None, add_note, notes, bob, "for bob", "s-bob")
            bobs = await asyncio.wait_for(bob_next, 10)
            await alice_feed.aclose()
            await bob_feed.aclose()
        return alices, bobs, bob_got_alices

    alices, bobs, bob_got_alices = asyncio.run(scenario())

    # the mutation selected owner, id and text: createdAt reaches subscribers as null
    assert alices == {
        "onNote": {"owner": "alice", "id": "s-alice", "text": "for alice", "createdAt": None}
    }
    assert bobs["onNote"]["id"] == "s-bob"
    assert not bob_got_alices  # the enhanced filter (owner eq the subscriber) kept it from bob


def realtime(notes, token: str):
    header = base64.b64encode(
        json.dumps({"host": notes.server.url.split("/")[2], "Authorization": token}).encode()
    ).decode()
    return connect(
        f"{notes.server.realtime_url}?header={header}&payload=e30=", subprotocols=["graphql-ws"]
    )


def receive(connection) -> dict:
    return json.loads(connection.recv(timeout=10))


def test_the_real_time_protocol_as_appsync_speaks_it(notes, alice):
    with realtime(notes, alice) as connection:
        assert connection.subprotocol == "graphql-ws"
        connection.send(json.dumps({"type": "connection_init"}))
        assert receive(connection) == {
            "type": "connection_ack",
            "payload": {"connectionTimeoutMs": 300000},
        }
        assert receive(connection) == {"type": "ka"}
        start = {
            "id": "sub-1",
            "type": "start",
            "payload": {
                "data": json.dumps(
                    {
                        "query": "subscription On($id: ID) { onNote(id: $id) { id text } }",
                        "variables": {"id": "rt-2"},
                    }
                ),
                "extensions": {"authorization": {"Authorization": alice, "host": "local"}},
            },
        }
        connection.send(json.dumps(start))
        assert receive(connection) == {"type": "start_ack", "id": "sub-1"}

        add_note(notes, alice, "not this one", "rt-1")  # argument filtering: id must be rt-2
        add_note(notes, alice, "this one", "rt-2")
        assert receive(connection) == {
            "id": "sub-1",
            "type": "data",
            "payload": {"data": {"onNote": {"id": "rt-2", "text": "this one"}}},
        }

        connection.send(json.dumps({"type": "stop", "id": "sub-1"}))
        assert receive(connection) == {"type": "complete", "id": "sub-1"}


def test_a_subscription_start_without_a_valid_token_is_an_error(notes, alice):
    with realtime(notes, alice) as connection:
        connection.send(json.dumps({"type": "connection_init"}))
        receive(connection), receive(connection)  # connection_ack, ka
        connection.send(
            json.dumps(
                {
                    "id": "x",
                    "type": "start",
                    "payload": {
                        "data": json.dumps({"query": ON_NOTE}),
                        "extensions": {"authorization": {"Authorization": "forged"}},
                    },
                }
            )
        )
        answer = receive(connection)
    assert answer["type"] == "error"
    assert answer["payload"]["errors"][0]["errorType"] == "UnauthorizedException"


def test_a_connection_without_a_valid_token_is_refused_at_init(notes):
    with realtime(notes, "forged") as connection:
        connection.send(json.dumps({"type": "connection_init"}))
        answer = receive(connection)
    assert answer["type"] == "connection_error"


def test_moto_still_runs_no_resolver(emulator):
    # The fact the local AppSync exists for: should moto learn to, reconsider it.
    appsync = client(emulator.url, "appsync")
    api = appsync.create_graphql_api(name="bare", authenticationType="AWS_IAM")["graphqlApi"]
    with pytest.raises(ClientError):
        appsync.create_data_source(apiId=api["apiId"], name="none", type="NONE")
