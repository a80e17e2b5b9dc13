"""Who is calling the local AppSync, as AppSync tells: a Cognito user pool token (verified
as the HTTP gateway verifies one: gateway.verified_claims against the emulator's keys) or
an IAM (SigV4) request, whose identity is *presented, not verified*: the access key in
its Authorization header is taken at its word, and the emulator's STS says whose it is
(GetCallerIdentity: an assumed role's key gives the role's session ARN)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from localcloud.appsync.definition import ApiDefinition
from localcloud.appsync.schema import COGNITO, IAM, Rule
from localcloud.gateway import audience, user_pool_jwks, verified_claims

if TYPE_CHECKING:
    import jwt

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")
SIGV4 = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class CallerIdentity:
    account: str
    arn: str
    user_id: str


@dataclass(frozen=True)
class Identity:
    mode: str  # COGNITO or IAM
    context: dict[str, Any]  # ctx.identity, as AppSync hands it to resolvers
    groups: tuple[str, ...] = ()

    def may(self, rule: Rule, default_action: str = "ALLOW") -> bool:
        """Whether this caller may read a field with this rule."""
        if self.mode not in rule.modes:
            return False
        if self.mode != COGNITO:
            return True
        if rule.groups is None:
            # With defaultAction DENY a pool user reads only what names one of its groups.
            return default_action != "DENY"
        return bool(set(self.groups) & set(rule.groups))


def iam_identity(caller: CallerIdentity, source_ip: str) -> Identity:
    return Identity(
        IAM,
        {
            "accountId": caller.account,
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "sourceIp": [source_ip],
            "username": caller.user_id,
            "userArn": caller.arn,
            "cognitoIdentityAuthType": None,
            "cognitoIdentityAuthProvider": None,
        },
    )


class Authenticator:
    def __init__(
        self,
        api: ApiDefinition,
        endpoint_url: str,
        caller: Callable[[str], CallerIdentity] | None,
    ):
        """caller: whose an access key id is (the emulator's STS)."""
        self.api, self.caller = api, caller
        pool = api.user_pool
        self.issuer = f"https://cognito-idp.{pool.region}.amazonaws.com/{pool.id}" if pool else ""
        self.jwks: jwt.PyJWKClient | None = (
            user_pool_jwks(endpoint_url, pool.id) if pool and COGNITO in api.modes else None
        )

    def identity(self, headers: Mapping[str, str], source_ip: str) -> Identity | None:
        """The caller of a request (headers' names in lower case), or None: HTTP 401."""
        authorization = headers.get("authorization") or ""
        if authorization.startswith(SIGV4):
            return self._iam(authorization, source_ip)
        return self._cognito(authorization, source_ip)

    def _iam(self, authorization: str, source_ip: str) -> Identity | None:
        found = _CREDENTIAL.search(authorization)
        if IAM not in self.api.modes or found is None or self.caller is None:
            return None
        return iam_identity(self.caller(found.group(1)), source_ip)

    def _cognito(self, authorization: str, source_ip: str) -> Identity | None:
        if self.jwks is None or self.api.user_pool is None:
            return None
        claims = verified_claims(self.jwks, self.issuer, authorization)
        if claims is None:
            return None
        regex = self.api.user_pool.app_id_client_regex
        if regex and not re.fullmatch(regex, str(audience(claims))):
            return None
        groups = claims.get("cognito:groups")
        return Identity(
            COGNITO,
            {
                "sub": claims.get("sub"),
                "issuer": claims.get("iss"),
                "username": claims.get("cognito:username") or claims.get("username"),
                "claims": claims,
                "sourceIp": [source_ip],
                "defaultAuthStrategy": self.api.user_pool.default_action,
                "groups": groups,
            },
            tuple(groups or ()),
        )


class EmulatorCallers:
    """GetCallerIdentity in the emulator, as the holder of each access key; cached."""

    def __init__(self, endpoint_url: str, region: str):
        self.endpoint_url, self.region = endpoint_url, region
        self._known: dict[str, CallerIdentity] = {}
        self._lock = threading.Lock()
        self._session: Any = None  # made on the first IAM caller

    def __call__(self, access_key_id: str) -> CallerIdentity:
        with self._lock:
            known = self._known.get(access_key_id)
        if known is not None:
            return known
        import boto3  # noqa: PLC0415 - only once an IAM caller turns up

        with self._lock:  # a boto3 session is not thread-safe
            if self._session is None:
                self._session = boto3.session.Session()
            sts = self._session.client(
                "sts",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key="local",  # noqa: S106 - the emulator checks no signature
            )
        found = sts.get_caller_identity()
        caller = CallerIdentity(found["Account"], found["Arn"], found["UserId"])
        with self._lock:
            self._known[access_key_id] = caller
        return caller
