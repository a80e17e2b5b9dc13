"""The system's shape, read from what the program created (the deployment): the boxes of the
architecture picture and the lines between them. Nothing here is written by hand, so the
picture cannot drift from the program."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localcloud.provisioning.core import Deployment, Provisioned

# The columns, left to right, in the order things happen.
COLUMNS = (
    "front doors, schedules",
    "functions",
    "pipes",
    "bus",
    "rules",
    "targets",
    "dead-letter queues",
    "consumers",
    "tables",
)
_AUTO_NAME_SUFFIX = re.compile(r"-[0-9a-f]{7}$")


def short(name: str) -> str:
    """A physical name without the 7 hex digits Pulumi's auto-naming adds."""
    return _AUTO_NAME_SUFFIX.sub("", name)


@dataclass
class Node:
    key: str  # unique: "<kind>:<physical name>"
    kind: str  # api, graphql, schedule, function, pipe, bus, rule, queue, dlq, machine, topic,
    # table
    name: str  # the physical name
    column: int
    arn: str = ""
    url: str = ""  # a queue's

    @property
    def label(self) -> str:
        return short(self.name)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    dashed: bool = False  # a path taken on failure (a DLQ)


@dataclass
class Target:
    """One target of a rule, as the program declared it."""

    arn: str
    transformed: bool  # Input, InputPath or InputTransformer: the event itself is not passed
    dlq_arn: str = ""


@dataclass
class Rule:
    name: str
    bus: str
    pattern: str
    targets: list[Target] = field(default_factory=list)


@dataclass
class Architecture:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    def add(self, node: Node) -> Node:
        self.nodes[node.key] = node
        return node

    def link(self, source: Node | None, target: Node | None, dashed: bool = False) -> None:
        if source is not None and target is not None:
            edge = Edge(source.key, target.key, dashed)
            if edge not in self.edges:
                self.edges.append(edge)

    def by_arn(self, arn: str) -> Node | None:
        return next((n for n in self.nodes.values() if arn and n.arn == arn), None)

    def by_name_or_arn(self, value: Any) -> Node | None:
        """The bus, table, state machine, queue or topic a function's setting names."""
        if not isinstance(value, str) or not value:
            return None
        return next(
            (
                n
                for kind in ("bus", "table", "machine", "queue", "dlq", "topic")
                for n in self.of_kind(kind)
                if value in {n.arn, n.name}
            ),
            None,
        )

    def of_kind(self, *kinds: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind in kinds]

    @classmethod
    def from_deployment(cls, deployment: Deployment) -> Architecture:  # noqa: PLR0912
        arch = cls()
        of = deployment.of_type
        mapped = {
            m.inputs["functionName"]: m.inputs["eventSourceArn"]
            for m in of("aws:lambda/eventSourceMapping:EventSourceMapping")
        }
        http = [arch.add(Node(f"api:{a.id}", "api", _name(a), 0)) for a in of(_API)]
        graphql = [arch.add(Node(f"graphql:{a.id}", "graphql", _name(a), 0)) for a in of(_GQL)]
        for function in of("aws:lambda/function:Function"):
            arn = function.outputs["arn"]
            consumer = arn in mapped or function.outputs["name"] in mapped
            arch.add(
                Node(
                    f"function:{function.outputs['name']}",
                    "function",
                    function.outputs["name"],
                    7 if consumer else 1,
                    arn,
                )
            )
        for bus in of("aws:cloudwatch/eventBus:EventBus"):
            arch.add(
                Node(
                    f"bus:{bus.outputs['name']}", "bus", bus.outputs["name"], 3, bus.outputs["arn"]
                )
            )
        for table in of("aws:dynamodb/table:Table"):
            name = table.outputs["name"]
            arch.add(Node(f"table:{name}", "table", name, 8, table.outputs.get("arn", "")))
        dlq_arns = _dlq_arns(deployment)
        for queue in of("aws:sqs/queue:Queue"):
            name, arn = queue.outputs["name"], queue.outputs["arn"]
            dlq = arn in dlq_arns
            arch.add(
                Node(
                    f"queue:{name}",
                    "dlq" if dlq else "queue",
                    name,
                    6 if dlq else 5,
                    arn,
                    queue.outputs["url"],
                )
            )
        for machine in of("aws:sfn/stateMachine:StateMachine"):
            arch.add(
                Node(
                    f"machine:{machine.outputs['name']}",
                    "machine",
                    machine.outputs["name"],
                    5,
                    machine.outputs["arn"],
                )
            )
        for topic in of("aws:sns/topic:Topic"):
            arch.add(Node(f"topic:{_name(topic)}", "topic", _name(topic), 5, topic.outputs["arn"]))
        for pipe in of("aws:pipes/pipe:Pipe"):
            node = arch.add(
                Node(
                    f"pipe:{pipe.outputs['name']}",
                    "pipe",
                    pipe.outputs["name"],
                    2,
                    pipe.outputs.get("arn", ""),
                )
            )
            arch.link(node, arch.by_arn(pipe.inputs["target"]))
            stream_dlq = (
                (pipe.inputs.get("sourceParameters") or {}).get("dynamodbStreamParameters") or {}
            ).get("deadLetterConfig") or {}
            arch.link(node, arch.by_arn(stream_dlq.get("arn", "")), dashed=True)
            source_table = pipe.inputs["source"].split(":table/", 1)[-1].split("/stream/", 1)[0]
            for function in of("aws:lambda/function:Function"):
                if source_table in _environment(function).values():
                    arch.link(arch.by_arn(function.outputs["arn"]), node)
        arch._routes(deployment, http)
        arch._rules(deployment)
        for schedule in of(_SCHEDULE):
            node = arch.add(Node(f"schedule:{_name(schedule)}", "schedule", _name(schedule), 0))
            target = schedule.inputs["target"]
            arch.link(node, arch.by_arn(target["arn"]))
            dlq = (target.get("deadLetterConfig") or {}).get("arn", "")
            arch.link(node, arch.by_arn(dlq), dashed=True)
        for queue in of("aws:sqs/queue:Queue"):
            redrive = queue.inputs.get("redrivePolicy")
            if redrive:
                target = json.loads(redrive) if isinstance(redrive, str) else redrive
                arch.link(
                    arch.by_arn(queue.outputs["arn"]),
                    arch.by_arn(target["deadLetterTargetArn"]),
                    dashed=True,
                )
        for function_key, source in mapped.items():
            fed = arch.by_arn(function_key) or arch.nodes.get(f"function:{function_key}")
            arch.link(arch.by_arn(source), fed)
        for function in of("aws:lambda/function:Function"):
            for value in _environment(function).values():
                arch.link(arch.by_arn(function.outputs["arn"]), arch.by_name_or_arn(value))
        for source in of("aws:appsync/dataSource:DataSource"):
            table = (source.inputs.get("dynamodbConfig") or {}).get("tableName", "")
            bus = (source.inputs.get("eventBridgeConfig") or {}).get("eventBusArn", "")
            for api in graphql:
                arch.link(api, arch.by_name_or_arn(table) or arch.by_arn(bus))
        return arch

    def _graphql_target(self, arn: str) -> Node | None:
        """An AppSync API as an EventBridge target (arn:aws:appsync:…:endpoints/graphql-api/…):
        the local cloud serves one GraphQL API, drawn again among the targets."""
        if arn.split(":")[2:3] != ["appsync"]:
            return None
        [api] = self.of_kind("graphql")
        return self.add(Node(f"graphql-target:{api.name}", "graphql", api.name, 5, arn))

    def _routes(self, deployment: Deployment, apis: list[Node]) -> None:
        for integration in deployment.of_type("aws:apigatewayv2/integration:Integration"):
            uri = integration.inputs.get("integrationUri", "")
            function_arn = uri.split("/functions/", 1)[-1].removesuffix("/invocations")
            api = next((a for a in apis if a.key == f"api:{integration.inputs.get('apiId')}"), None)
            self.link(api or (apis[0] if apis else None), self.by_arn(function_arn))

    def _rules(self, deployment: Deployment) -> None:
        targets: dict[str, list[Provisioned]] = {}
        for target in deployment.of_type("aws:cloudwatch/eventTarget:EventTarget"):
            targets.setdefault(target.inputs["rule"], []).append(target)
        for resource in deployment.of_type("aws:cloudwatch/eventRule:EventRule"):
            name = resource.outputs["name"]
            bus = resource.inputs.get("eventBusName", "default")
            rule = Rule(name, bus, resource.inputs["eventPattern"])
            node = self.add(Node(f"rule:{name}", "rule", name, 4, resource.outputs.get("arn", "")))
            self.link(self.nodes.get(f"bus:{bus}"), node)
            for target in targets.get(name, []):
                inputs = target.inputs
                dlq = (inputs.get("deadLetterConfig") or {}).get("arn", "")
                transformed = any(inputs.get(k) for k in ("input", "inputPath", "inputTransformer"))
                rule.targets.append(Target(inputs["arn"], transformed, dlq))
                self.link(node, self.by_arn(inputs["arn"]) or self._graphql_target(inputs["arn"]))
                self.link(node, self.by_arn(dlq), dashed=True)
            self.rules.append(rule)


_API = "aws:apigatewayv2/api:Api"
_GQL = "aws:appsync/graphQLApi:GraphQLApi"
_SCHEDULE = "aws:scheduler/schedule:Schedule"


def _name(resource: Provisioned) -> str:
    return str(resource.outputs.get("name") or resource.name)


def _dlq_arns(deployment: Deployment) -> set[str]:
    """Every queue some other resource sends its failures to."""
    arns: set[str] = set()
    for queue in deployment.of_type("aws:sqs/queue:Queue"):
        redrive = queue.inputs.get("redrivePolicy")
        if redrive:
            arns.add(
                (json.loads(redrive) if isinstance(redrive, str) else redrive)[
                    "deadLetterTargetArn"
                ]
            )
    for target in deployment.of_type("aws:cloudwatch/eventTarget:EventTarget"):
        arns.add((target.inputs.get("deadLetterConfig") or {}).get("arn", ""))
    for pipe in deployment.of_type("aws:pipes/pipe:Pipe"):
        stream = (pipe.inputs.get("sourceParameters") or {}).get("dynamodbStreamParameters") or {}
        arns.add((stream.get("deadLetterConfig") or {}).get("arn", ""))
    for schedule in deployment.of_type(_SCHEDULE):
        arns.add((schedule.inputs["target"].get("deadLetterConfig") or {}).get("arn", ""))
    arns.discard("")
    return arns


def _environment(function: Provisioned) -> dict[str, Any]:
    variables = ((function.inputs.get("environment") or {}).get("variables")) or {}
    return dict(variables)
