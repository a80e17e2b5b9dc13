"""Storefront: the static web shop (web/storefront/) behind CloudFront.

- A private S3 bucket: every public access blocked, objects owned by the bucket
  (BucketOwnerEnforced: no ACLs), encrypted at rest (SSE-S3).
- A CloudFront distribution that reads it through an origin access control (SigV4, every
  request signed); viewers are redirected to HTTPS. The bucket's policy lets this
  distribution read objects, and no one else (`AWS:SourceArn`).
- The site's files, one object each, with their content types; and `config.json`, the
  object the app reads first, whose content is built from the stack's outputs (API URLs,
  the user pool and its client): `pulumi.Output.json_dumps`, no resource made in apply().
  Every object is served `Cache-Control: no-cache` (revalidated, never stale): the files
  have no content hashes in their names, and there is no build step to add them.
- Security headers on every answer (a response headers policy): a Content-Security-Policy
  that lets the page load only its own files and talk only to the endpoints its config.json
  names, no framing, nosniff, no referrer, HSTS. The local server sends the same
  (`security_headers`), bar HSTS (it serves http).
"""

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import policy_document

CONFIG_OBJECT = "config.json"  # what the app fetches first (web/storefront/app.js)
# What config.json holds: the HTTP API, the GraphQL API (and its real-time endpoint), the
# user pool and its app client, and where to sign in (Cognito's endpoint, its region).
CONFIG_KEYS = (
    "apiUrl",
    "graphqlUrl",
    "graphqlRealtimeUrl",
    "userPoolId",
    "userPoolClientId",
    "region",
    "cognitoEndpoint",
)
INDEX = "index.html"
# AWS's managed cache policy "CachingOptimized": it honours the objects' Cache-Control.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHE_CONTROL = "no-cache"
VIEWER_PROTOCOL_POLICY = "redirect-to-https"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


# Where a page may connect: the endpoints config.json names (the APIs, the real-time
# WebSocket, Cognito's endpoint).
CONNECT_KEYS = ("apiUrl", "graphqlUrl", "graphqlRealtimeUrl", "cognitoEndpoint")


def aws_connect_origins(region: str) -> list[str]:
    """Those endpoints' origins on AWS, by the region alone: the API's URL cannot be used,
    since the API's CORS names the distribution (a cycle)."""
    return [
        f"https://*.execute-api.{region}.amazonaws.com",
        f"https://*.appsync-api.{region}.amazonaws.com",
        f"wss://*.appsync-realtime-api.{region}.amazonaws.com",
        f"https://cognito-idp.{region}.amazonaws.com",
    ]


def connect_origins(config: Mapping[str, str]) -> list[str]:
    """The origins of the endpoints a config names (the local cloud's)."""
    return sorted({_origin(config[key]) for key in CONNECT_KEYS})


def content_security_policy(origins: list[str]) -> str:
    """The page's own files, and connections to those origins only."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        f"connect-src 'self' {' '.join(origins)}; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'; object-src 'none'"
    )


def _origin(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def security_headers(config: Mapping[str, str]) -> dict[str, str]:
    """The headers every answer of the local server carries (CloudFront's response headers
    policy has the same, and HSTS)."""
    return {
        "Content-Security-Policy": content_security_policy(connect_origins(config)),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


def content_type(path: Path) -> str:
    """The Content-Type a file is served with (the local server uses the same)."""
    return (
        CONTENT_TYPES.get(path.suffix)
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )


def site_files(site_dir: Path) -> list[Path]:
    """The site's files, relative to its folder, in a stable order (config.json excluded:
    the stack writes its own)."""
    return sorted(
        path.relative_to(site_dir)
        for path in site_dir.rglob("*")
        if path.is_file() and path.name != CONFIG_OBJECT and not path.name.startswith(".")
    )


@dataclass
class StorefrontArgs:
    site_dir: Path  # web/storefront: uploaded as it is (no build step)
    config: Mapping[str, pulumi.Input[Any]]  # config.json: apiUrl, graphqlUrl, userPoolId, …
    price_class: str = "PriceClass_100"  # North America and Europe's edge locations

    def __post_init__(self) -> None:
        if not (self.site_dir / INDEX).is_file():
            raise ValueError(f"site_dir {self.site_dir} has no {INDEX}")
        if set(self.config) != set(CONFIG_KEYS):
            raise ValueError(f"config must have exactly the keys {CONFIG_KEYS}")


class Storefront(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    distribution_arn: pulumi.Output[str]
    domain_name: pulumi.Output[str]
    origin: pulumi.Output[str]  # https://<distribution domain>: what CORS allows
    url: pulumi.Output[str]  # the origin and "/"

    def __init__(self, name: str, args: StorefrontArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop:index:Storefront", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.bucket = aws.s3.Bucket(f"{name}-bucket", force_destroy=True, opts=child)
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        self.ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        self.origin_access = aws.cloudfront.OriginAccessControl(
            f"{name}-origin-access",
            name=self.bucket.id,  # one per bucket (names are unique in the account)
            description="The storefront's distribution reads its bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        self.response_headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-response-headers",
            comment="The storefront's security headers",
            security_headers_config={
                "content_security_policy": {
                    "content_security_policy": aws.get_region_output().region.apply(
                        lambda region: content_security_policy(aws_connect_origins(region))
                    ),
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": "DENY", "override": True},
                "referrer_policy": {"referrer_policy": "no-referrer", "override": True},
                "strict_transport_security": {
                    "access_control_max_age_sec": 63072000,  # two years
                    "include_subdomains": True,
                    "override": True,
                },
            },
            opts=child,
        )
        origin_id = "site"
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment="shop storefront",
            default_root_object=INDEX,
            price_class=args.price_class,
            http_version="http2and3",
            is_ipv6_enabled=True,
            origins=[
                {
                    "origin_id": origin_id,
                    "domain_name": self.bucket.bucket_regional_domain_name,
                    "origin_access_control_id": self.origin_access.id,
                }
            ],
            default_cache_behavior={
                "target_origin_id": origin_id,
                "viewer_protocol_policy": VIEWER_PROTOCOL_POLICY,
                "allowed_methods": ["GET", "HEAD"],
                "cached_methods": ["GET", "HEAD"],
                "cache_policy_id": CACHING_OPTIMIZED,
                "response_headers_policy_id": self.response_headers.id,
                "compress": True,
            },
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            # The *.cloudfront.net certificate: CloudFront then sets the TLS policy itself
            # (TLSv1) whatever minimum_protocol_version says; a TLS 1.2 floor needs a domain
            # of the shop's with an ACM certificate (docs/decisions.md).
            viewer_certificate={"cloudfront_default_certificate": True},
            opts=child,
        )
        self.bucket_policy = aws.s3.BucketPolicy(
            f"{name}-bucket-policy",
            bucket=self.bucket.id,
            policy=policy_document(
                [
                    {
                        "Sid": "CloudFrontReadsTheSite",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": ["s3:GetObject"],
                        "Resource": pulumi.Output.concat(self.bucket.arn, "/*"),
                        "Condition": {"StringEquals": {"AWS:SourceArn": self.distribution.arn}},
                    }
                ]
            ),
            # A policy on a bucket whose public access block is not in place yet could be
            # judged public and refused: the block first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block]),
        )

        after_ownership = pulumi.ResourceOptions(parent=self, depends_on=[self.ownership])
        self.files = [
            aws.s3.BucketObjectv2(
                f"{name}-file-{path.as_posix()}",
                bucket=self.bucket.id,
                key=path.as_posix(),
                source=pulumi.FileAsset(args.site_dir / path),
                content_type=content_type(path),
                cache_control=CACHE_CONTROL,
                opts=after_ownership,
            )
            for path in site_files(args.site_dir)
        ]
        self.config_object = aws.s3.BucketObjectv2(
            f"{name}-config",
            bucket=self.bucket.id,
            key=CONFIG_OBJECT,
            content=pulumi.Output.json_dumps(dict(args.config)),
            content_type=CONTENT_TYPES[".json"],
            cache_control=CACHE_CONTROL,
            opts=after_ownership,
        )

        self.bucket_name = self.bucket.id
        self.distribution_arn = self.distribution.arn
        self.domain_name = self.distribution.domain_name
        self.origin = pulumi.Output.concat("https://", self.distribution.domain_name)
        self.url = pulumi.Output.concat(self.origin, "/")
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "distribution_arn": self.distribution_arn,
                "domain_name": self.domain_name,
                "origin": self.origin,
                "url": self.url,
            }
        )
