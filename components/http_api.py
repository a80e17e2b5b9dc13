"""HttpApi: the shop's HTTP API (payload format 2.0), its $default stage with JSON
access logs and throttling, and the JWT authorizer that trusts the user pool.
Services attach their own integrations and routes (see HttpService)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import PERIOD_SECONDS, above
from shop_common.routes import IDEMPOTENCY_KEY_HEADER

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "method": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "path": "$context.path",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        "userId": "$context.authorizer.claims.sub",
    },
    separators=(",", ":"),
)


@dataclass
class HttpApiArgs:
    api_name: str
    jwt_issuer: pulumi.Input[str]
    jwt_audience: pulumi.Input[str]
    # Origins allowed by CORS: the stack's, and outputs such as the storefront's
    # https://<distribution domain>.
    cors_allow_origins: Sequence[pulumi.Input[str]] = ("*",)
    throttling_rate_limit: float = 50
    throttling_burst_limit: int = 100
    log_retention_days: int = 14
    # Alarms on the stage: the share of 5xx answers in five minutes, and p99 latency in
    # three five-minute periods in a row (one slow request is not an incident).
    error_rate_alarm_percent: float = 5
    latency_p99_alarm_ms: int = 2000


class HttpApi(pulumi.ComponentResource):
    api_id: pulumi.Output[str]
    execution_arn: pulumi.Output[str]
    authorizer_id: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: HttpApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:HttpApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.api = aws.apigatewayv2.Api(
            f"{name}-api",
            name=args.api_name,
            protocol_type="HTTP",
            cors_configuration={
                "allow_origins": list(args.cors_allow_origins),
                "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                "allow_headers": ["authorization", "content-type", IDEMPOTENCY_KEY_HEADER.lower()],
                "expose_headers": ["location"],
                "max_age": 600,
            },
            opts=child,
        )
        self.access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/aws/apigateway/{args.api_name}/access",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        self.stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=self.api.id,
            name="$default",
            auto_deploy=True,
            access_log_settings={
                "destination_arn": self.access_logs.arn,
                "format": ACCESS_LOG_FORMAT,
            },
            default_route_settings={
                "throttling_rate_limit": args.throttling_rate_limit,
                "throttling_burst_limit": args.throttling_burst_limit,
                "detailed_metrics_enabled": True,
            },
            opts=child,
        )
        self.authorizer = aws.apigatewayv2.Authorizer(
            f"{name}-authorizer",
            api_id=self.api.id,
            name="cognito",
            authorizer_type="JWT",
            identity_sources=["$request.header.Authorization"],
            jwt_configuration={"issuer": args.jwt_issuer, "audiences": [args.jwt_audience]},
            opts=child,
        )

        self.stage_name = self.stage.name
        stage_metric = {"ApiId": self.api.id, "Stage": self.stage.name}
        self.errors_alarm = self._error_rate_alarm(name, args, stage_metric)
        self.latency_alarm = above(
            f"{name}-latency-alarm",
            self,
            description=f"{args.api_name}: p99 latency above {args.latency_p99_alarm_ms} ms",
            namespace="AWS/ApiGateway",
            metric_name="Latency",
            dimensions=stage_metric,
            threshold=args.latency_p99_alarm_ms,
            extended_statistic="p99",
            periods=3,
        )

        self.api_id = self.api.id
        self.execution_arn = self.api.execution_arn
        self.authorizer_id = self.authorizer.id
        self.url = self.stage.invoke_url
        self.register_outputs(
            {
                "api_id": self.api_id,
                "execution_arn": self.execution_arn,
                "authorizer_id": self.authorizer_id,
                "url": self.url,
            }
        )

    def _error_rate_alarm(
        self, name: str, args: HttpApiArgs, stage_metric: dict[str, pulumi.Output[str]]
    ) -> aws.cloudwatch.MetricAlarm:
        """5xx answers as a share of all answers (metric math), so that a busy hour's few
        errors and a quiet hour's one are judged alike; no requests, no alarm."""

        def total(metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryMetricArgsDict:
            return {
                "namespace": "AWS/ApiGateway",
                "metric_name": metric_name,
                "dimensions": stage_metric,
                "period": PERIOD_SECONDS,
                "stat": "Sum",
            }

        return aws.cloudwatch.MetricAlarm(
            f"{name}-5xx-alarm",
            alarm_description=f"{args.api_name}: more than {args.error_rate_alarm_percent}% 5xx",
            metric_queries=[
                {"id": "errors", "metric": total("5xx"), "return_data": False},
                {"id": "requests", "metric": total("Count"), "return_data": False},
                {
                    "id": "rate",
                    "expression": "IF(requests > 0, 100 * errors / requests, 0)",
                    "label": "5xx %",
                    "return_data": True,
                },
            ],
            evaluation_periods=1,
            threshold=args.error_rate_alarm_percent,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            opts=pulumi.ResourceOptions(parent=self),
        )
