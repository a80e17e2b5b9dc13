"""API Gateway HTTP APIs: the API, stage, authorizer, integrations and routes
(served by the local gateway, which reads them back)."""

from localcloud.provisioning.core import EmulatorMocks, Properties, as_int, handles


@handles("aws:apigatewayv2/api:Api")
def _api(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    cors = inputs.get("corsConfiguration") or {}
    api = mocks.client("apigatewayv2").create_api(
        Name=mocks.physical_name(name, inputs, 128),
        ProtocolType=inputs["protocolType"],
        **(
            {
                "CorsConfiguration": {
                    "AllowOrigins": cors.get("allowOrigins", []),
                    "AllowMethods": cors.get("allowMethods", []),
                    "AllowHeaders": cors.get("allowHeaders", []),
                    "ExposeHeaders": cors.get("exposeHeaders", []),
                    "MaxAge": as_int(cors.get("maxAge", 0)),
                }
            }
            if cors
            else {}
        ),
    )
    api_id = api["ApiId"]
    return api_id, {
        "apiEndpoint": mocks.gateway_url.rstrip("/"),
        "executionArn": mocks.arn("execute-api", api_id),
        "arn": f"arn:aws:apigateway:{mocks.region}::/apis/{api_id}",
    }


@handles("aws:apigatewayv2/stage:Stage")
def _stage(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    routes = inputs.get("defaultRouteSettings") or {}
    logs = inputs.get("accessLogSettings") or {}
    mocks.client("apigatewayv2").create_stage(
        ApiId=inputs["apiId"],
        StageName=inputs["name"],
        AutoDeploy=bool(inputs.get("autoDeploy")),
        **(
            {
                "AccessLogSettings": {
                    "DestinationArn": logs["destinationArn"],
                    "Format": logs["format"],
                }
            }
            if logs
            else {}
        ),
        **(
            {
                "DefaultRouteSettings": {
                    "ThrottlingBurstLimit": as_int(routes.get("throttlingBurstLimit", 0)),
                    "ThrottlingRateLimit": float(routes.get("throttlingRateLimit", 0)),
                    "DetailedMetricsEnabled": bool(routes.get("detailedMetricsEnabled")),
                }
            }
            if routes
            else {}
        ),
    )
    # The stage is served by the local gateway.
    return inputs["name"], {"invokeUrl": mocks.gateway_url}


@handles("aws:apigatewayv2/authorizer:Authorizer")
def _authorizer(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    jwt = inputs.get("jwtConfiguration") or {}
    authorizer = mocks.client("apigatewayv2").create_authorizer(
        ApiId=inputs["apiId"],
        AuthorizerType=inputs["authorizerType"],
        IdentitySource=inputs.get("identitySources", []),
        Name=inputs.get("name") or name,
        JwtConfiguration={"Audience": jwt.get("audiences", []), "Issuer": jwt.get("issuer", "")},
    )
    return authorizer["AuthorizerId"], {}


@handles("aws:apigatewayv2/integration:Integration")
def _integration(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    integration = mocks.client("apigatewayv2").create_integration(
        ApiId=inputs["apiId"],
        IntegrationType=inputs["integrationType"],
        IntegrationUri=inputs["integrationUri"],
        PayloadFormatVersion=inputs.get("payloadFormatVersion", "2.0"),
        TimeoutInMillis=as_int(inputs.get("timeoutMilliseconds", 30000)),
    )
    return integration["IntegrationId"], {}


@handles("aws:apigatewayv2/route:Route")
def _route(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    route = mocks.client("apigatewayv2").create_route(
        ApiId=inputs["apiId"],
        RouteKey=inputs["routeKey"],
        Target=inputs["target"],
        AuthorizationType=inputs.get("authorizationType", "NONE"),
        **({"AuthorizerId": inputs["authorizerId"]} if inputs.get("authorizerId") else {}),
    )
    return route["RouteId"], {}
