"""Unit tests of the local cloud's own logic: route matching, claims, partial batches,
stack configuration. (The whole local cloud is exercised by tests/e2e.)"""

from pathlib import Path

import pytest

from localcloud import stack_config
from localcloud.cloud import Options
from localcloud.gateway import Api, _claims_for_lambda, _route
from localcloud.lambda_events import http_api_event
from localcloud.pollers import Mapping, Poller
from localcloud.workers import Invocation

ROUTES = [
    "GET /products",
    "GET /products/{productId}",
    "ANY /files/{path+}",
    "POST /basket/checkout",
    "PUT /basket/items/{productId}",
    "GET /basket/items/special",
]


@pytest.fixture
def api():
    return Api(
        [
            _route(key, f"arn:aws:lambda:us-east-1:1:function:{i}", None)
            for i, key in enumerate(ROUTES)
        ],
        cors={},
    )


@pytest.mark.parametrize(
    ("method", "path", "route", "parameters"),
    [
        ("GET", "/products", "GET /products", {}),
        ("GET", "/products/p-1", "GET /products/{productId}", {"productId": "p-1"}),
        ("GET", "/files/a/b/c.txt", "ANY /files/{path+}", {"path": "a/b/c.txt"}),
        ("DELETE", "/files/x", "ANY /files/{path+}", {"path": "x"}),
        ("PUT", "/basket/items/p-2", "PUT /basket/items/{productId}", {"productId": "p-2"}),
    ],
)
def test_requests_match_their_route_and_parameters(api, method, path, route, parameters):
    found, found_parameters = api.find(method, path)
    assert (found.key, found_parameters) == (route, parameters)


def test_a_literal_segment_wins_over_a_parameter(api):
    found, _ = api.find("GET", "/basket/items/special")
    assert found.key == "GET /basket/items/special"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/products/p-1"), ("GET", "/nope"), ("GET", "/products/a/b"), ("GET", "/files")],
)
def test_no_route_no_match(api, method, path):
    assert api.find(method, path) is None


def test_claims_reach_lambda_as_api_gateway_renders_them():
    claims = _claims_for_lambda({"sub": "u1", "cognito:groups": ["admin", "ops"], "exp": 17})
    assert claims == {"sub": "u1", "cognito:groups": "[admin ops]", "exp": "17"}


def test_repeated_query_keys_are_joined_with_commas():
    event = http_api_event("GET", "/products", raw_query="limit=5&tag=a&tag=b")
    assert event["rawQueryString"] == "limit=5&tag=a&tag=b"
    assert event["queryStringParameters"] == {"limit": "5", "tag": "a,b"}


BATCH = [{"MessageId": m} for m in ("m1", "m2", "m3")]


@pytest.fixture
def poller():
    mapping = Mapping("arn:aws:sqs:us-east-1:1:q", "http://q", "arn:f", 10, 0, True)
    return Poller(mapping, sqs=None, invoke=None, console=None)


@pytest.mark.parametrize(
    ("invocation", "kept"),
    [
        (Invocation("r", payload={"batchItemFailures": []}), set()),
        (Invocation("r", payload=None), set()),
        (Invocation("r", payload={"batchItemFailures": [{"itemIdentifier": "m2"}]}), {"m2"}),
        (Invocation("r", error={"errorType": "ValueError"}), {"m1", "m2", "m3"}),
        (
            Invocation("r", payload={"batchItemFailures": [{"itemIdentifier": "other"}]}),
            {"m1", "m2", "m3"},
        ),
        (
            Invocation("r", payload={"batchItemFailures": [{"itemIdentifier": None}]}),
            {"m1", "m2", "m3"},
        ),
    ],
)
def test_partial_batch_semantics(poller, invocation, kept):
    assert poller._failed_ids(invocation, BATCH) == kept


def test_stack_config_is_the_schema_defaults_overridden_by_the_stack_file():
    local = stack_config.load("local")
    prod = stack_config.load("prod")
    assert local["shop:workflowType"] == "STANDARD"
    assert local["shop:paymentLimit"] == "1000"  # the schema's default
    assert prod["shop:deletionProtection"] == "true"
    assert prod["aws:region"] == "eu-west-1"
    assert stack_config.load("local", {"shop:currency": "EUR"})["shop:currency"] == "EUR"


def test_the_state_directory_is_made_absolute_for_the_workers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Options(state_dir=Path(".localcloud")).state_dir == tmp_path / ".localcloud"


def test_a_resource_type_without_an_emulator_counterpart_is_recorded_not_dropped():
    from pulumi.runtime import MockResourceArgs  # noqa: PLC0415

    from localcloud.provisioning import EmulatorMocks  # noqa: PLC0415

    mocks = EmulatorMocks("http://127.0.0.1:9", "us-east-1", "http://127.0.0.1:3000/")
    resource_id, outputs = mocks.new_resource(
        MockResourceArgs(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "attach",
            {"role": "r", "policyArn": "arn:aws:iam::aws:policy/X"},
        )
    )
    component_id, _ = mocks.new_resource(MockResourceArgs("shop:index:Thing", "thing", {}))

    assert mocks.deployment.unemulated == [
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach")
    ]
    assert outputs["policyArn"] == "arn:aws:iam::aws:policy/X"
    assert resource_id
    assert component_id
    assert mocks.deployment.resources == []  # nothing was created, and nothing pretends it was
