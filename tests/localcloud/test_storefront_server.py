"""The local storefront server: the committed files and the local config.json, and nothing
else of the machine, whatever the path."""

import json

import pytest

from components.storefront import security_headers
from localcloud.storefront import StorefrontServer

CONFIG = {
    "apiUrl": "http://127.0.0.1:3000/",
    "graphqlUrl": "http://127.0.0.1:3001/graphql",
    "graphqlRealtimeUrl": "ws://127.0.0.1:3001/graphql",
    "cognitoEndpoint": "http://127.0.0.1:4566/",
    "userPoolId": "us-east-1_local",
}


@pytest.fixture(scope="module")
def server():
    serving = StorefrontServer("127.0.0.1", 0, CONFIG)  # answers without being started
    yield serving
    serving.server.server_close()


def test_the_page_and_its_local_config_are_served(server):
    status, kind, body = server.answer("/")
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert b'<script type="module" src="app.js">' in body
    status, _, body = server.answer("/config.json")
    assert (status, json.loads(body)) == (200, CONFIG)


@pytest.mark.parametrize(
    "path",
    [
        "/../README.md",
        "/%2e%2e/README.md",
        "/..%2fREADME.md",
        "//etc/passwd",
        "/index.html%00.js",  # a NUL: no such file, not an error
        "/nowhere.js",
    ],
)
def test_any_other_path_is_not_found(server, path):
    assert server.answer(path)[0] == 404


def test_the_page_may_connect_only_to_its_configs_endpoints():
    headers = security_headers(CONFIG)

    connect = headers["Content-Security-Policy"].split("connect-src ", 1)[1].split(";")[0]
    assert connect.split() == [
        "'self'",
        "http://127.0.0.1:3000",
        "http://127.0.0.1:3001",
        "http://127.0.0.1:4566",
        "ws://127.0.0.1:3001",
    ]
    assert headers["X-Frame-Options"] == "DENY"
