"""End-to-end tests: the local cloud started once per session (as `make local`
starts it, on free ports, with short queue visibility timeouts), and the shop
used through HTTP only. Tokens come from Cognito InitiateAuth, as on AWS."""

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 2  # seconds: poison messages reach their DLQ in ~10 s, not minutes
START_TIMEOUT = 60
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical St",
    "city": "London",
    "postalCode": "N1 9GU",
    "country": "GB",
}
PASSWORD = "E2e-Password-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalCloudProcess:
    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.log = state_dir / "localcloud.out"
        state_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "localcloud",
                "up",
                "--api-port",
                str(free_port()),
                "--aws-port",
                str(free_port()),
                "--state-dir",
                str(state_dir),
                "--queue-visibility-timeout",
                str(VISIBILITY_TIMEOUT),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._copy_output, daemon=True).start()

    def _copy_output(self) -> None:
        with self.log.open("w") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                self.lines.put(line)

    def wait_ready(self) -> dict:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if line.startswith("READY "):
                return json.loads((self.state_dir / "outputs.json").read_text())
        self.stop()
        raise RuntimeError(f"the local cloud did not start:\n{self.log.read_text()[-4000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Shop:
    """The shop as a client sees it: HTTP API, Cognito for tokens; the emulator
    only for what a test must arrange or observe (events, queues)."""

    def __init__(self, outputs: dict, state_dir: Path):
        self.outputs, self.state_dir = outputs, state_dir
        self.api = outputs["apiUrl"].rstrip("/")
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

    def create_product(self, name: str = "Lamp", price: float = 20, category: str = "home") -> str:
        response = self.call(
            "POST", "/products", "admin", json={"name": name, "price": price, "category": category}
        )
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
        """probe() until it returns something truthy; that value, or fail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"gave up after {timeout}s waiting for {probe}")

    def order_status(self, user: str, order_id: str, *, until: set[str]) -> dict:
        def settled():
            response = self.call("GET", f"/orders/{order_id}", user)
            return response.json() if response.ok and response.json()["status"] in until else None

        return self.wait_for(settled)

    def notifications(self) -> list[dict]:
        outbox = self.state_dir / "outbox.jsonl"
        return [json.loads(line) for line in outbox.read_text().splitlines() if line]

    def queue_messages(self, url_output: str) -> int:
        attributes = self.aws("sqs").get_queue_attributes(
            QueueUrl=self.outputs[url_output],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )
        return sum(int(v) for v in attributes["Attributes"].values())


@pytest.fixture(scope="session")
def shop(tmp_path_factory) -> Iterator[Shop]:
    cloud = LocalCloudProcess(tmp_path_factory.mktemp("localcloud"))
    try:
        outputs = cloud.wait_ready()
        yield Shop(outputs, cloud.state_dir)
    finally:
        cloud.stop()


@pytest.fixture
def customer(shop) -> str:
    return shop.sign_up()
