"""Pulumi mocks that answer like AWS: provider-computed outputs (arn, url,
invokeArn, …, in camelCase) and the invokes the program makes. Every
registration is recorded with its URN, so tests can check inputs, parents and
wiring after the program has run."""

import uuid
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

from localcloud import program

REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass
class Registered:
    typ: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    id: str = ""
    urn: str = ""

    @property
    def parent_types(self) -> list[str]:
        """Types of the ancestors, outermost first (from the URN's type chain)."""
        return self.urn.split("::")[2].split("$")[:-1]


def _physical(args: pulumi.runtime.MockResourceArgs) -> str:
    return args.inputs.get("name") or f"{args.name}-0a1b2c3"


def _outputs(args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:  # noqa: PLR0911, PLR0912 - a case per type
    """(id, computed outputs) for a resource, shaped like the AWS provider's."""
    name = _physical(args)
    arn = f"arn:aws:{{}}:{REGION}:{ACCOUNT}:{{}}"
    match args.typ:
        case "aws:sqs/queue:Queue":
            url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
            return url, {"name": name, "url": url, "arn": arn.format("sqs", name)}
        case "aws:dynamodb/table:Table":
            table_arn = arn.format("dynamodb", f"table/{name}")
            stream = {"streamArn": f"{table_arn}/stream/2026-01-01T00:00:00.000"}
            return name, {"name": name, "arn": table_arn} | (
                stream if args.inputs.get("streamEnabled") else {}
            )
        case "aws:pipes/pipe:Pipe":
            return name, {"name": name, "arn": arn.format("pipes", f"pipe/{name}")}
        case "aws:lambda/function:Function":
            function_arn = arn.format("lambda", f"function:{name}")
            return name, {
                "name": name,
                "arn": function_arn,
                "qualifiedArn": f"{function_arn}:$LATEST",
                "invokeArn": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                f"{function_arn}/invocations",
            }
        case "aws:iam/role:Role":
            return name, {"name": name, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}
        case "aws:cloudwatch/logGroup:LogGroup":
            return name, {"name": name, "arn": arn.format("logs", f"log-group:{name}")}
        case "aws:cloudwatch/eventBus:EventBus":
            return name, {"name": name, "arn": arn.format("events", f"event-bus/{name}")}
        case "aws:cloudwatch/eventRule:EventRule":
            bus = args.inputs.get("eventBusName", "default")
            return name, {"name": name, "arn": arn.format("events", f"rule/{bus}/{name}")}
        case "aws:cloudwatch/eventArchive:EventArchive":
            return name, {"name": name, "arn": arn.format("events", f"archive/{name}")}
        case "aws:scheduler/schedule:Schedule":
            group = args.inputs.get("groupName", "default")
            return name, {"name": name, "arn": arn.format("scheduler", f"schedule/{group}/{name}")}
        case "aws:sfn/stateMachine:StateMachine":
            return name, {"name": name, "arn": arn.format("states", f"stateMachine:{name}")}
        case "aws:sns/topic:Topic":
            return name, {"name": name, "arn": arn.format("sns", name)}
        case "aws:cognito/userPool:UserPool":
            pool_id = f"{REGION}_AbCdEf123"
            return pool_id, {
                "arn": arn.format("cognito-idp", f"userpool/{pool_id}"),
                "endpoint": f"cognito-idp.{REGION}.amazonaws.com/{pool_id}",
            }
        case "aws:cognito/userPoolClient:UserPoolClient":
            return "client0123456789abcdef", {}
        case "aws:apigatewayv2/api:Api":
            api_id = "a1b2c3d4e5"
            return api_id, {
                "apiEndpoint": f"https://{api_id}.execute-api.{REGION}.amazonaws.com",
                "executionArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}",
            }
        case "aws:apigatewayv2/stage:Stage":
            api_id = args.inputs["apiId"]
            return name, {"invokeUrl": f"https://{api_id}.execute-api.{REGION}.amazonaws.com/"}
        case "aws:sesv2/emailIdentity:EmailIdentity":
            identity = args.inputs["emailIdentity"]
            tokens = [f"token{n}{args.name[:4]}" for n in range(3)]  # Easy DKIM: three CNAMEs
            return identity, {
                "arn": arn.format("ses", f"identity/{identity}"),
                "dkimSigningAttributes": {
                    **args.inputs.get("dkimSigningAttributes", {}),
                    "tokens": tokens,
                },
            }
        case "aws:sesv2/configurationSet:ConfigurationSet":
            set_name = args.inputs["configurationSetName"]
            return set_name, {"arn": arn.format("ses", f"configuration-set/{set_name}")}
        case "aws:appsync/graphQLApi:GraphQLApi":
            api_id = "abcdefghijklmnopqrstuvwxyz"
            host = f"{api_id[:12]}.appsync-{{}}.{REGION}.amazonaws.com"
            return api_id, {
                "arn": arn.format("appsync", f"apis/{api_id}"),
                "uris": {
                    "GRAPHQL": f"https://{host.format('api')}/graphql",
                    "REALTIME": f"wss://{host.format('realtime-api')}/graphql",
                },
            }
        case "aws:appsync/dataSource:DataSource":
            api_id, source = args.inputs["apiId"], args.inputs["name"]
            return f"{api_id}-{source}", {
                "arn": arn.format("appsync", f"apis/{api_id}/datasources/{source}")
            }
        case "aws:appsync/function:Function":
            api_id = args.inputs["apiId"]
            function_id = uuid.uuid5(uuid.NAMESPACE_URL, args.name).hex[:26]  # AppSync's form
            return f"{api_id}-{function_id}", {
                "functionId": function_id,
                "arn": arn.format("appsync", f"apis/{api_id}/functions/{function_id}"),
            }
        case "aws:s3/bucket:Bucket":
            bucket = args.inputs.get("bucket") or f"{args.name}-0a1b2c3"
            return bucket, {
                "bucket": bucket,
                "arn": f"arn:aws:s3:::{bucket}",
                "bucketDomainName": f"{bucket}.s3.amazonaws.com",
                "bucketRegionalDomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
                "region": REGION,
            }
        case "aws:cloudfront/originAccessControl:OriginAccessControl":
            return "E2OAC0EXAMPLE", {
                "arn": f"arn:aws:cloudfront::{ACCOUNT}:origin-access-control/E2OAC0EXAMPLE",
                "etag": "E1",
            }
        case "aws:cloudfront/distribution:Distribution":
            distribution_id = "E1DIST0EXAMPLE"
            return distribution_id, {
                "arn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/{distribution_id}",
                "domainName": "d111111abcdef8.cloudfront.net",
                "hostedZoneId": "Z2FDTNDATAQYW2",
                "status": "Deployed",
                "etag": "E1",
            }
        case "aws:kms/key:Key":
            key_id = str(uuid.uuid5(uuid.NAMESPACE_URL, args.name))  # one per key, as on AWS
            return key_id, {"keyId": key_id, "arn": arn.format("kms", f"key/{key_id}")}
        case _:
            return f"{args.name}-id", {}


class ShopMocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.registered: list[Registered] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        resource_id, computed = _outputs(args)
        outputs = {**args.inputs, **computed}
        self.registered.append(
            Registered(args.typ, args.name, dict(args.inputs), outputs, resource_id)
        )
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getRegion:getRegion":
            return {
                "name": REGION,
                "region": REGION,
                "id": REGION,
                "endpoint": f"ec2.{REGION}.amazonaws.com",
                "description": "US East",
            }
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/ci",
                "userId": "AIDEXAMPLE",
                "id": ACCOUNT,
            }
        raise NotImplementedError(f"the shop does not call {args.token}")


@dataclass
class Deployment:
    """What a program run registered, and its stack outputs."""

    resources: list[Registered]
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]

    def named(self, name: str) -> Registered:
        [match] = [r for r in self.resources if r.name == name]
        return match

    def with_output(self, key: str, value: Any, typ: str) -> Registered:
        [match] = [r for r in self.of_type(typ) if r.outputs.get(key) == value]
        return match


def start(mocks: ShopMocks, stack: str, config: dict[str, str]) -> MockMonitor:
    """Mocks for tests that build components themselves."""
    monitor = MockMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="shop", stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config)
    root = pulumi.runtime.get_root_resource()  # kept per process: without earlier transformations
    if root is not None:
        root._transformations = []
    return monitor


def attach_urns(mocks: ShopMocks, monitor: MockMonitor) -> None:
    by_identity = {}
    for urn in monitor.resources:
        parts = urn.split("::")
        by_identity[(parts[2].split("$")[-1], parts[3])] = urn
    for resource in mocks.registered:
        resource.urn = by_identity[(resource.typ, resource.name)]


def run_program(stack: str, overrides: dict[str, Any] | None = None) -> Deployment:
    """Evaluate __main__.py for the stack under these mocks."""
    mocks = ShopMocks()
    monitor = MockMonitor(mocks)
    outputs = program.evaluate(mocks, stack, overrides, monitor)
    attach_urns(mocks, monitor)
    return Deployment(mocks.registered, outputs)
