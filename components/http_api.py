"""HttpApi: the shop's HTTP API (payload format 2.0), its $default stage with JSON
access logs and throttling, and the JWT authorizer that trusts the user pool.
Services attach their own integrations and routes (see HttpService)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

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
    cors_allow_origins: Sequence[str] = ("*",)
    throttling_rate_limit: float = 50
    throttling_burst_limit: int = 100
    log_retention_days: int = 14


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
