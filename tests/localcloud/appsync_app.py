"""A small AppSync API (appsync_fixtures/: an SDL and APPSYNC_JS resolvers) declared with
pulumi-aws's own resource classes and provisioned into a real emulator by the local
cloud's mocks, as the program's would be; and the local AppSync serving it."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pulumi
import pulumi_aws as aws
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from localcloud.appsync import serve
from localcloud.appsync.server import AppSyncServer
from localcloud.harness import free_port
from localcloud.program import pulumi_test
from localcloud.provisioning import EmulatorMocks
from localcloud.workers import Console, Invocation

FIXTURES = Path(__file__).with_name("appsync_fixtures")
SDL = (FIXTURES / "schema.graphql").read_text()
REGION = "us-east-1"
PASSWORD = "Local-Tests-2026"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:notes-echo"
JS = aws.appsync.ResolverRuntimeArgs(name="APPSYNC_JS", runtime_version="1.0.0")
FUNCTION_JS = aws.appsync.FunctionRuntimeArgs(name="APPSYNC_JS", runtime_version="1.0.0")


def code(name: str) -> str:
    return (FIXTURES / f"{name}.js").read_text()


def client(emulator_url: str, service: str, **keys: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator_url,
        region_name=REGION,
        aws_access_key_id=keys.get("access_key", "test"),
        aws_secret_access_key=keys.get("secret_key", "test"),
    )


@dataclass
class FakeLambda:
    """Stands in for the local workers: answers with the event it got; an event whose text
    contains "boom" fails as an unhandled function error."""

    events: list[Any] = field(default_factory=list)

    def __call__(self, function_arn: str, event: Any) -> Invocation:
        self.events.append(event)
        if "boom" in json.dumps(event):
            return Invocation("r", error={"errorType": "ValueError", "errorMessage": "boom!"})
        return Invocation("r", payload={"function": function_arn, "event": event})


def _resolvers(api: aws.appsync.GraphQLApi, sources: dict[str, aws.appsync.DataSource]) -> None:
    units = {
        ("Query", "note"): ("notes", "getNote"),
        ("Query", "notesByOwner"): ("notes", "notesByOwner"),
        ("Query", "echo"): ("none", "echo"),
        ("Query", "whoami"): ("none", "echo"),
        ("Query", "adminEcho"): ("none", "echo"),
        ("Query", "lambdaEcho"): ("echoFunction", "invoke"),
        ("Query", "failing"): ("none", "failing"),
        ("Query", "unknownUtil"): ("none", "unknownUtil"),
        ("Mutation", "addNote"): ("notes", "addNote"),
        ("Mutation", "addNoteFor"): ("notes", "addNote"),
        ("Mutation", "renameNote"): ("notes", "renameNote"),
        ("Mutation", "removeNote"): ("notes", "removeNote"),
        ("Mutation", "copyNote"): ("notes", "copyNote"),
        ("Mutation", "announce"): ("bus", "announce"),
        ("Query", "notesByIds"): ("notes", "notesByIds"),
        ("Subscription", "onNote"): ("none", "onNote"),
    }
    for (type_name, field_name), (source, file) in units.items():
        aws.appsync.Resolver(
            f"{type_name}-{field_name}",
            api_id=api.id,
            type=type_name,
            field=field_name,
            kind="UNIT",
            data_source=sources[source].name,
            runtime=JS,
            code=code(file),
        )
    # A direct Lambda resolver: no code, the Lambda data source.
    aws.appsync.Resolver(
        "Query-direct",
        api_id=api.id,
        type="Query",
        field="direct",
        data_source=sources["echoFunction"].name,
    )
    functions = [
        aws.appsync.Function(
            name,
            api_id=api.id,
            name=name,
            data_source=sources[source].name,
            runtime=FUNCTION_JS,
            code=code(name),
        )
        for name, source in (("greet", "none"), ("loadNote", "notes"))
    ]
    aws.appsync.Resolver(
        "Query-greeting",
        api_id=api.id,
        type="Query",
        field="greeting",
        kind="PIPELINE",
        pipeline_config=aws.appsync.ResolverPipelineConfigArgs(
            functions=[f.function_id for f in functions]
        ),
        runtime=JS,
        code=code("greeting"),
    )


def provision(mocks: EmulatorMocks, table: str, bus_arn: str) -> dict[str, Any]:
    """Declare the API (and its user pool) through pulumi-aws; return their ids."""
    pulumi.runtime.set_mocks(mocks, project="appsync-tests", stack="test", preview=False)
    created: dict[str, Any] = {}

    @pulumi_test
    def program() -> pulumi.Output[None]:
        pool = aws.cognito.UserPool("pool", name="notes-users")
        app = aws.cognito.UserPoolClient(
            "app",
            name="notes-app",
            user_pool_id=pool.id,
            explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        aws.cognito.UserGroup("admins", name="admins", user_pool_id=pool.id)
        api = aws.appsync.GraphQLApi(
            "api",
            name="notes",
            authentication_type="AMAZON_COGNITO_USER_POOLS",
            user_pool_config=aws.appsync.GraphQLApiUserPoolConfigArgs(
                user_pool_id=pool.id, aws_region=REGION, default_action="ALLOW"
            ),
            additional_authentication_providers=[
                aws.appsync.GraphQLApiAdditionalAuthenticationProviderArgs(
                    authentication_type="AWS_IAM"
                )
            ],
            schema=SDL,
            xray_enabled=True,
        )
        role = "arn:aws:iam::123456789012:role/notes-appsync"
        sources = {
            "notes": aws.appsync.DataSource(
                "notes",
                api_id=api.id,
                name="notes",
                type="AMAZON_DYNAMODB",
                dynamodb_config=aws.appsync.DataSourceDynamodbConfigArgs(
                    table_name=table, region=REGION
                ),
                service_role_arn=role,
            ),
            "none": aws.appsync.DataSource("none", api_id=api.id, name="none", type="NONE"),
            "bus": aws.appsync.DataSource(
                "bus",
                api_id=api.id,
                name="bus",
                type="AMAZON_EVENTBRIDGE",
                event_bridge_config=aws.appsync.DataSourceEventBridgeConfigArgs(
                    event_bus_arn=bus_arn
                ),
                service_role_arn=role,
            ),
            "echoFunction": aws.appsync.DataSource(
                "echoFunction",
                api_id=api.id,
                name="echoFunction",
                type="AWS_LAMBDA",
                lambda_config=aws.appsync.DataSourceLambdaConfigArgs(function_arn=FUNCTION_ARN),
                service_role_arn=role,
            ),
        }
        _resolvers(api, sources)
        return pulumi.Output.all(
            api=api.id, arn=api.arn, uris=api.uris, pool=pool.id, app=app.id
        ).apply(created.update)

    program()
    return created


@dataclass
class Notes:
    """The provisioned API, served by a local AppSync."""

    emulator_url: str
    mocks: EmulatorMocks
    ids: dict[str, Any]
    server: AppSyncServer
    table: str
    functions: FakeLambda

    def token(self, username: str) -> str:
        cognito = client(self.emulator_url, "cognito-idp")
        answer = cognito.initiate_auth(
            ClientId=self.ids["app"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
        return str(answer["AuthenticationResult"]["AccessToken"])

    def post(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> requests.Response:
        return requests.post(
            self.server.url,
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )

    def as_user(self, token: str, query: str, **variables: Any) -> dict[str, Any]:
        response = self.post(query, variables, Authorization=token)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def as_role(self, credentials: dict[str, str], query: str, **variables: Any) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = AWSRequest("POST", self.server.url, data=body)
        request.headers["Content-Type"] = "application/json"
        SigV4Auth(
            Credentials(
                credentials["AccessKeyId"],
                credentials["SecretAccessKey"],
                credentials["SessionToken"],
            ),
            "appsync",
            REGION,
        ).add_auth(request)
        response = requests.post(
            self.server.url, data=body, headers=dict(request.headers), timeout=30
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer


def create_users(emulator_url: str, pool: str) -> None:
    """alice (an admin) and bob."""
    cognito = client(emulator_url, "cognito-idp")
    for username in ("alice", "bob"):
        cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True
        )
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="alice", GroupName="admins")


def create_table(emulator_url: str, name: str) -> None:
    client(emulator_url, "dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "owner", "KeyType": "HASH"},
            {"AttributeName": "id", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "owner", "AttributeType": "S"},
            {"AttributeName": "id", "AttributeType": "S"},
        ],
    )


def role_credentials(emulator_url: str, role_name: str) -> dict[str, str]:
    """A role in the emulator, and credentials of a session of it."""
    iam = client(emulator_url, "iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    answer = client(emulator_url, "sts").assume_role(RoleArn=arn, RoleSessionName="tests")
    return {**answer["Credentials"], "RoleArn": arn}


def start_notes(emulator_url: str, table: str) -> Notes:
    """Provision the notes API and serve it (its server not yet started)."""
    graphql_port = free_port()
    create_table(emulator_url, table)
    mocks = EmulatorMocks(
        emulator_url,
        REGION,
        "http://127.0.0.1:9/",
        graphql_url=f"http://127.0.0.1:{graphql_port}/",
    )
    bus_arn = client(emulator_url, "events").create_event_bus(Name=f"{table}-bus")["EventBusArn"]
    ids = provision(mocks, table, bus_arn)
    create_users(emulator_url, ids["pool"])
    functions = FakeLambda()
    server = serve(
        mocks.deployment,
        "127.0.0.1",
        graphql_port,
        endpoint_url=emulator_url,
        region=REGION,
        dynamodb=client(emulator_url, "dynamodb"),
        events=client(emulator_url, "events"),
        invoke=functions,
        console=Console(io.StringIO()),
    )
    return Notes(emulator_url, mocks, ids, server, table, functions)
