"""Identity: the Cognito user pool customers sign in to, an app client for the
API (USER_PASSWORD_AUTH and SRP, no secret), and the `admin` group."""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass
class IdentityArgs:
    pool_name: str
    admin_group: str
    deletion_protection: bool = False
    access_token_minutes: int = 60


class Identity(pulumi.ComponentResource):
    user_pool_id: pulumi.Output[str]
    client_id: pulumi.Output[str]
    issuer: pulumi.Output[str]

    def __init__(self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:Identity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.user_pool = aws.cognito.UserPool(
            f"{name}-user-pool",
            name=args.pool_name,
            username_attributes=["email"],
            auto_verified_attributes=["email"],
            password_policy={
                "minimum_length": 12,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": False,
                "temporary_password_validity_days": 3,
            },
            mfa_configuration="OPTIONAL",
            software_token_mfa_configuration={"enabled": True},
            account_recovery_setting={
                "recovery_mechanisms": [{"name": "verified_email", "priority": 1}]
            },
            deletion_protection="ACTIVE" if args.deletion_protection else "INACTIVE",
            opts=child,
        )
        self.client = aws.cognito.UserPoolClient(
            f"{name}-client",
            name=f"{args.pool_name}-api",
            user_pool_id=self.user_pool.id,
            generate_secret=False,
            explicit_auth_flows=[
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            access_token_validity=args.access_token_minutes,
            id_token_validity=args.access_token_minutes,
            refresh_token_validity=30,
            token_validity_units={
                "access_token": "minutes",
                "id_token": "minutes",
                "refresh_token": "days",
            },
            opts=child,
        )
        self.admin_group = aws.cognito.UserGroup(
            f"{name}-admin-group",
            name=args.admin_group,
            user_pool_id=self.user_pool.id,
            description="May create, change and delete products",
            opts=child,
        )

        self.user_pool_id = self.user_pool.id
        self.client_id = self.client.id
        # The issuer that the API's JWT authorizer trusts.
        self.issuer = pulumi.Output.concat("https://", self.user_pool.endpoint)
        self.register_outputs(
            {"user_pool_id": self.user_pool_id, "client_id": self.client_id, "issuer": self.issuer}
        )
