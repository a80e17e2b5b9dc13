"""AppSync GraphQL APIs, their data sources, resolvers and functions.

The API and its schema are created in the emulator (moto stores them). Data sources,
resolvers and functions moto does not support: they are recorded with the identifiers
AppSync would give them, and the local AppSync (localcloud/appsync/) serves all of it,
reading them back from the deployment. The API's URIs are the local AppSync's.
"""

import secrets
import string

from localcloud.appsync.definition import RUNTIME, runtime_name
from localcloud.appsync.js import check
from localcloud.provisioning.core import EmulatorMocks, Properties, handles

_ID_ALPHABET = string.ascii_lowercase + string.digits


def _appsync_id() -> str:
    """An identifier shaped like AppSync's (26 lower-case letters and digits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(26))


def _auth_provider(provider: Properties) -> Properties:
    return {"authenticationType": provider["authenticationType"]}


@handles("aws:appsync/graphQLApi:GraphQLApi")
def _graphql_api(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    api_name = mocks.physical_name(name, inputs)
    pool = inputs.get("userPoolConfig") or {}
    client = mocks.client("appsync")
    api = client.create_graphql_api(
        name=api_name,
        authenticationType=inputs["authenticationType"],
        xrayEnabled=bool(inputs.get("xrayEnabled")),
        **(
            {
                "userPoolConfig": {
                    "userPoolId": pool["userPoolId"],
                    "awsRegion": pool.get("awsRegion") or mocks.region,
                    "defaultAction": pool.get("defaultAction", "ALLOW"),
                    **(
                        {"appIdClientRegex": pool["appIdClientRegex"]}
                        if pool.get("appIdClientRegex")
                        else {}
                    ),
                }
            }
            if pool
            else {}
        ),
        additionalAuthenticationProviders=[
            _auth_provider(p) for p in inputs.get("additionalAuthenticationProviders") or []
        ],
    )["graphqlApi"]
    api_id = api["apiId"]
    if inputs.get("schema"):
        client.start_schema_creation(apiId=api_id, definition=inputs["schema"].encode())
    url = mocks.graphql_api(api_id)
    return api_id, {
        "name": api_name,
        "arn": api["arn"],
        "uris": {"GRAPHQL": url, "REALTIME": url.replace("http://", "ws://", 1)},
    }


def _checked_code(what: str, inputs: Properties) -> None:
    """AppSync refuses code its runtime cannot run when the resolver is created."""
    if inputs.get("code") is None:
        return
    if runtime_name(inputs) != RUNTIME:
        raise ValueError(f"{what}: the local AppSync runs {RUNTIME} code only")
    try:
        check(inputs["code"])
    except ValueError as error:
        raise ValueError(f"{what}: {error}") from error


@handles("aws:appsync/dataSource:DataSource")
def _data_source(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    api_id, source = inputs["apiId"], inputs["name"]
    return f"{api_id}-{source}", {
        "arn": mocks.arn("appsync", f"apis/{api_id}/datasources/{source}")
    }


@handles("aws:appsync/resolver:Resolver")
def _resolver(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    api_id, type_name, field = inputs["apiId"], inputs["type"], inputs["field"]
    _checked_code(f"resolver {type_name}.{field}", inputs)
    return f"{api_id}-{type_name}-{field}", {
        "arn": mocks.arn("appsync", f"apis/{api_id}/types/{type_name}/resolvers/{field}")
    }


@handles("aws:appsync/function:Function")
def _function(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    api_id, function_id = inputs["apiId"], _appsync_id()
    _checked_code(f"function {inputs.get('name', name)}", inputs)
    return f"{api_id}-{function_id}", {
        "functionId": function_id,
        "functionVersion": "2018-05-29",
        "arn": mocks.arn("appsync", f"apis/{api_id}/functions/{function_id}"),
    }
