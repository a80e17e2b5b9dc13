"""The gateway over real HTTP, with a stand-in function: what API Gateway (HTTP API)
answers before any integration, and what it hands the function."""

import base64
import io
import json
import socket
import threading

import pytest
import requests

from localcloud.gateway import Api, Gateway, _route
from localcloud.lambda_events import http_api_event
from localcloud.workers import Console, Invocation

ROUTES = ["GET /products", "POST /products", "GET /products/{productId}"]
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's payload quota


class Function:
    """Records each event and answers 422, as the shop's functions answer invalid input."""

    def __init__(self):
        self.events: list[dict] = []

    def __call__(self, function_arn: str, event: dict) -> Invocation:
        self.events.append(event)
        return Invocation("r", payload={"statusCode": 422, "body": '{"message":"invalid"}'})


@pytest.fixture
def function():
    return Function()


def make_gateway(function: Function) -> Gateway:
    api = Api(
        [
            _route(key, f"arn:aws:lambda:us-east-1:1:function:f{i}", None)
            for i, key in enumerate(ROUTES)
        ],
        cors={},
    )
    return Gateway("127.0.0.1", 0, api, function, Console(io.StringIO()))


@pytest.fixture
def gateway(function):
    gateway = make_gateway(function)
    gateway.start()
    yield gateway
    gateway.stop()


def raw_request(gateway: Gateway, request: bytes, end: bool = False) -> bytes:
    """Send `request` as is (then end the sending side, if asked); everything the
    gateway answers until it closes."""
    with socket.create_connection(gateway.server.server_address, timeout=30) as sock:
        sock.sendall(request)
        if end:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_a_body_that_is_not_utf8_reaches_the_function_base64_encoded(gateway, function):
    body = b'{"name": "\xff\xfe lamp"}'
    response = requests.post(
        gateway.url + "products",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 422
    [event] = function.events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_a_utf8_text_body_reaches_the_function_as_text(gateway, function):
    response = requests.post(gateway.url + "products", json={"name": "Lämp"}, timeout=30)

    assert response.status_code == 422
    [event] = function.events
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == {"name": "Lämp"}


def test_bytes_that_are_not_utf8_are_base64_encoded_whatever_the_content_type():
    event = http_api_event("POST", "/products", body=b"\x80abc")  # no content type: text

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x80abc"


@pytest.mark.parametrize(
    ("method", "path"),
    [("FOO", "/products"), ("TRACE", "/products"), ("PROPFIND", "/products/p-1"), ("FOO", "/x")],
)
def test_a_method_without_a_route_is_404_not_found(gateway, function, method, path):
    response = requests.request(method, gateway.url.rstrip("/") + path, timeout=30)

    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert function.events == []


def test_a_head_response_has_no_body_so_the_next_response_follows_it(gateway):
    answer = raw_request(
        gateway,
        b"HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )

    head, _, rest = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404 ")
    assert rest.startswith(b"HTTP/1.1 404 ")
    assert rest.endswith(b"\r\n\r\n" + b'{"message":"Not Found"}')


def test_a_burst_of_simultaneous_connections_is_queued_not_dropped(function):
    """64 clients connect at once while the gateway is not accepting yet (as when it is
    busy): the listen backlog must hold them all, then every request is answered."""
    clients = 64
    gateway = make_gateway(function)
    barrier = threading.Barrier(clients + 1)
    connected: list[socket.socket] = []
    errors: list[Exception] = []

    def connect() -> None:
        barrier.wait()
        try:
            sock = socket.create_connection(gateway.server.server_address, timeout=15)
            sock.sendall(b"GET /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            connected.append(sock)
        except OSError as error:
            errors.append(error)

    threads = [threading.Thread(target=connect) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    for thread in threads:
        thread.join()
    gateway.start()
    try:
        answers = []
        for sock in connected:
            with sock:
                answers.append(sock.makefile("rb").readline())
    finally:
        gateway.stop()

    assert errors == []
    assert answers == [b"HTTP/1.1 422 Unprocessable Entity\r\n"] * clients


def test_a_body_over_the_payload_limit_is_413_without_being_read(gateway, function):
    # Only the headers are sent: an answer proves the gateway did not wait for the body.
    answer = raw_request(
        gateway,
        b"POST /products HTTP/1.1\r\nHost: x\r\n"
        + f"Content-Length: {MAX_PAYLOAD_BYTES + 1}\r\n\r\n".encode()
        + b"{",
    )

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body) == {"message": "Request Entity Too Large"}
    assert function.events == []


def test_a_client_sending_an_oversized_body_reads_the_413(gateway, function):
    response = requests.post(
        gateway.url + "products", data=b"x" * (MAX_PAYLOAD_BYTES + 1), timeout=60
    )

    assert response.status_code == 413
    assert response.json() == {"message": "Request Entity Too Large"}
    assert function.events == []


def test_a_body_at_the_payload_limit_reaches_the_function(gateway, function):
    body = b"x" * MAX_PAYLOAD_BYTES
    response = requests.post(
        gateway.url + "products", data=body, headers={"Content-Type": "text/plain"}, timeout=60
    )

    assert response.status_code == 422  # the stand-in function's answer
    [event] = function.events
    assert event["body"] == body.decode()


@pytest.mark.parametrize("length", ["abc", "-1", "1_0", "+5", " 5, 6"])
def test_an_invalid_content_length_is_400(gateway, function, length):
    answer = raw_request(
        gateway, f"POST /products HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode()
    )

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(body) == {"message": "Bad Request"}
    assert function.events == []


def test_conflicting_content_lengths_are_400(gateway, function):
    answer = raw_request(
        gateway,
        b"POST /products HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
    )

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert function.events == []


def test_a_chunked_body_reaches_the_function_whole(gateway, function):
    body = b'{"name": "lamp", "price": 20}'
    chunks = iter([body[:10], body[10:]])
    response = requests.post(
        gateway.url + "products",
        data=chunks,  # a generator: requests sends Transfer-Encoding: chunked
        headers={"Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 422
    [event] = function.events
    assert event["body"] == body.decode()


@pytest.mark.parametrize(
    "chunks",
    [b"zz\r\nabc\r\n0\r\n\r\n", b"5\r\nab", b"3\r\nabcdef\r\n0\r\n\r\n"],
    ids=["bad-size", "short", "overlong"],
)
def test_a_malformed_chunked_body_is_a_json_400(gateway, function, chunks):
    answer = raw_request(
        gateway,
        b"POST /products HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks,
        end=True,
    )
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(payload) == {"message": "Bad Request"}
    assert function.events == []


def test_a_body_shorter_than_its_content_length_is_a_400_not_passed_on(gateway, function):
    request = b"POST /products HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}"
    answer = raw_request(gateway, request, end=True)
    assert answer.startswith(b"HTTP/1.1 400")
    assert function.events == []


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /products HTTP/2.0\r\n\r\n", b"400"),
        (b"GET /products HTTP/9.9\r\n\r\n", b"400"),
        (b"NONSENSE\r\n\r\n", b"400"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", b"414"),
    ],
    ids=["http2", "http9", "no-version", "long-url"],
)
def test_what_the_server_itself_refuses_is_a_json_4xx(gateway, request_bytes, status):
    head, _, payload = raw_request(gateway, request_bytes).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 " + status), head[:80]
    assert b"application/json" in head
    assert json.loads(payload)["message"]
