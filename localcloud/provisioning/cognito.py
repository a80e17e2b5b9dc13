"""Cognito user pools, app clients and groups."""

from localcloud.provisioning.core import EmulatorMocks, Properties, as_int, handles


@handles("aws:cognito/userPool:UserPool")
def _user_pool(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    password = inputs.get("passwordPolicy") or {}
    pool = mocks.client("cognito-idp").create_user_pool(
        PoolName=mocks.physical_name(name, inputs, 128),
        UsernameAttributes=inputs.get("usernameAttributes", []),
        AutoVerifiedAttributes=inputs.get("autoVerifiedAttributes", []),
        MfaConfiguration=inputs.get("mfaConfiguration", "OFF"),
        DeletionProtection=inputs.get("deletionProtection", "INACTIVE"),
        Policies={
            "PasswordPolicy": {
                "MinimumLength": as_int(password.get("minimumLength", 8)),
                "RequireUppercase": bool(password.get("requireUppercase")),
                "RequireLowercase": bool(password.get("requireLowercase")),
                "RequireNumbers": bool(password.get("requireNumbers")),
                "RequireSymbols": bool(password.get("requireSymbols")),
                "TemporaryPasswordValidityDays": as_int(
                    password.get("temporaryPasswordValidityDays", 7)
                ),
            }
        },
    )["UserPool"]
    return pool["Id"], {
        "arn": pool["Arn"],
        "endpoint": f"cognito-idp.{mocks.region}.amazonaws.com/{pool['Id']}",
        "name": pool["Name"],
    }


@handles("aws:cognito/userPoolClient:UserPoolClient")
def _user_pool_client(
    mocks: EmulatorMocks, name: str, inputs: Properties
) -> tuple[str, Properties]:
    units = inputs.get("tokenValidityUnits") or {}
    client = mocks.client("cognito-idp").create_user_pool_client(
        UserPoolId=inputs["userPoolId"],
        ClientName=inputs.get("name") or name,
        GenerateSecret=bool(inputs.get("generateSecret")),
        ExplicitAuthFlows=inputs.get("explicitAuthFlows", []),
        PreventUserExistenceErrors=inputs.get("preventUserExistenceErrors", "LEGACY"),
        EnableTokenRevocation=bool(inputs.get("enableTokenRevocation")),
        AccessTokenValidity=as_int(inputs.get("accessTokenValidity", 60)),
        IdTokenValidity=as_int(inputs.get("idTokenValidity", 60)),
        RefreshTokenValidity=as_int(inputs.get("refreshTokenValidity", 30)),
        TokenValidityUnits={
            "AccessToken": units.get("accessToken", "minutes"),
            "IdToken": units.get("idToken", "minutes"),
            "RefreshToken": units.get("refreshToken", "days"),
        },
    )["UserPoolClient"]
    return client["ClientId"], {}


@handles("aws:cognito/userGroup:UserGroup")
def _user_group(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    mocks.client("cognito-idp").create_group(
        GroupName=inputs["name"],
        UserPoolId=inputs["userPoolId"],
        Description=inputs.get("description", ""),
    )
    return f"{inputs['userPoolId']}/{inputs['name']}", {}
