"""The running local cloud's emulator as its commands reach it (its outputs say where), and a
demo user's access token, as `python -m localcloud token` prints it and the console's GraphQL
explorer mints it: Cognito InitiateAuth (USER_PASSWORD_AUTH) in the emulator."""

from typing import Any

import boto3


def emulator_client(outputs: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]  # one of the services the local cloud runs
        endpoint_url=outputs["awsEndpointUrl"],
        region_name=outputs["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106
    )


def access_token(outputs: dict[str, Any], user: str, password: str | None = None) -> str:
    """user: a key of the outputs' demoUsers (customer, admin), or an e-mail address."""
    username = outputs["demoUsers"].get(user, user)
    cognito = emulator_client(outputs, "cognito-idp")
    result = cognito.initiate_auth(
        ClientId=outputs["userPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password or outputs["demoPassword"]},
    )
    token: str = result["AuthenticationResult"]["AccessToken"]
    return token
