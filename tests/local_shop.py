"""The local cloud started once per test session (as `make local` starts it, on free
ports, with short queue visibility timeouts), shared by the end-to-end tests (the shop
used through HTTP only) and the browser tests (tests/browser): `shop` and `customer`,
registered for every test by tests/conftest.py. Tokens come from Cognito InitiateAuth,
as on AWS."""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from localcloud.harness import LocalCloudProcess
from tests import wait_for
from tests.samples import ADDRESS

VISIBILITY_TIMEOUT = 2  # seconds: poison messages reach their DLQ in ~10 s, not minutes
PASSWORD = "E2e-Password-1"


class Shop:
    """The shop as a client sees it: HTTP API, Cognito for tokens; the emulator
    only for what a test must arrange or observe (events, queues)."""

    def __init__(self, outputs: dict, state_dir: Path):
        self.outputs, self.state_dir = outputs, state_dir
        self.api = outputs["apiUrl"].rstrip("/")
        self.console = outputs["consoleUrl"].rstrip("/")  # the local console
        self.http = requests.Session()
        self._tokens: dict[str, str] = {}

    def aws(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.outputs["awsEndpointUrl"],
            region_name=self.outputs["region"],
            aws_access_key_id="e2e",
            aws_secret_access_key="e2e",
        )

    # -- identity --------------------------------------------------------------------------

    def sign_up(self, email: str | None = None) -> str:
        """A new customer, signed up and confirmed; returns the e-mail."""
        email = email or f"customer-{uuid.uuid4().hex[:8]}@example.com"
        cognito = self.aws("cognito-idp")
        cognito.sign_up(
            ClientId=self.outputs["userPoolClientId"],
            Username=email,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
        cognito.admin_confirm_sign_up(UserPoolId=self.outputs["userPoolId"], Username=email)
        return email

    def token(self, user: str) -> str:
        """An access token from Cognito InitiateAuth (USER_PASSWORD_AUTH)."""
        if user not in self._tokens:
            demo = self.outputs["demoUsers"]
            username = demo.get(user, user)
            password = self.outputs["demoPassword"] if user in demo else PASSWORD
            result = self.aws("cognito-idp").initiate_auth(
                ClientId=self.outputs["userPoolClientId"],
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
            self._tokens[user] = result["AuthenticationResult"]["AccessToken"]
        return self._tokens[user]

    # -- HTTP ------------------------------------------------------------------------------

    def call(self, method: str, path: str, user: str | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        return self.http.request(method, self.api + path, headers=headers, timeout=30, **kwargs)

    def create_product(
        self, name: str = "Lamp", price: float = 20, category: str = "home", stock: int = 100
    ) -> str:
        body = {"name": name, "price": price, "category": category, "stock": stock}
        response = self.call("POST", "/products", "admin", json=body)
        assert response.status_code == 201, response.text
        return response.json()["productId"]

    def checkout(self, user: str, token: str = "tok_visa") -> requests.Response:
        return self.call(
            "POST",
            "/basket/checkout",
            user,
            json={
                "shippingAddress": ADDRESS,
                "email": f"{user}@example.com" if "@" not in user else user,
                "paymentToken": token,
            },
        )

    def wait_for(self, probe, timeout: float = 20, interval: float = 0.2):
        return wait_for(probe, timeout, interval)

    def order_status(
        self, user: str, order_id: str, *, until: set[str], timeout: float = 20
    ) -> dict:
        def settled():
            response = self.call("GET", f"/orders/{order_id}", user)
            return response.json() if response.ok and response.json()["status"] in until else None

        return self.wait_for(settled, timeout=timeout)

    def outbox(self) -> list[dict]:
        outbox = self.state_dir / "outbox.jsonl"
        return [json.loads(line) for line in outbox.read_text().splitlines() if line]

    def notifications(self) -> list[dict]:
        """The SNS messages the outbox recorded."""
        return [entry for entry in self.outbox() if entry["kind"] == "sns"]

    def emails(self) -> list[dict]:
        """The e-mails the outbox recorded, as SES would have sent them."""
        return [entry for entry in self.outbox() if entry["kind"] == "email"]

    def queue_messages(self, url_output: str) -> int:
        attributes = self.aws("sqs").get_queue_attributes(
            QueueUrl=self.outputs[url_output],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
        return sum(int(v) for v in attributes["Attributes"].values())


@pytest.fixture(scope="session")
def shop(tmp_path_factory) -> Iterator[Shop]:
    cloud = LocalCloudProcess(
        tmp_path_factory.mktemp("localcloud"), "--queue-visibility-timeout", str(VISIBILITY_TIMEOUT)
    )
    try:
        outputs = cloud.wait_ready()
        yield Shop(outputs, cloud.state_dir)
    finally:
        cloud.stop()


@pytest.fixture
def customer(shop) -> str:
    return shop.sign_up()
