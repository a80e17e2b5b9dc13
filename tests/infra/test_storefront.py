"""The storefront on AWS: a private bucket read only by its CloudFront distribution (origin
access control), viewers on HTTPS, the site's files with their content types, config.json
built from the stack's outputs, and the HTTP API allowing the distribution's origin."""

import json
from fnmatch import fnmatch
from pathlib import Path

import pytest

from components.storefront import (
    CONFIG_KEYS,
    CONFIG_OBJECT,
    CONNECT_KEYS,
    StorefrontArgs,
    site_files,
)
from tests.infra.mocks import Deployment

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
ORIGIN_ACCESS = "aws:cloudfront/originAccessControl:OriginAccessControl"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
SITE = Path(__file__).resolve().parents[2] / "web" / "storefront"


def only(deployment: Deployment, typ: str):
    [resource] = deployment.of_type(typ)
    return resource


def test_the_bucket_is_private_owner_enforced_and_encrypted(deployment):
    bucket = only(deployment, BUCKET)
    block = only(deployment, PUBLIC_ACCESS_BLOCK)
    assert block.inputs["bucket"] == bucket.id
    for setting in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.inputs[setting] is True, setting
    ownership = only(deployment, OWNERSHIP)
    assert ownership.inputs["bucket"] == bucket.id
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    encryption = only(deployment, ENCRYPTION)
    assert encryption.inputs["bucket"] == bucket.id
    [rule] = encryption.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    assert "acl" not in bucket.inputs
    assert "website" not in bucket.inputs


def test_the_distribution_reads_the_bucket_through_its_origin_access_control(deployment):
    bucket, control = only(deployment, BUCKET), only(deployment, ORIGIN_ACCESS)
    distribution = only(deployment, DISTRIBUTION)
    assert control.inputs["originAccessControlOriginType"] == "s3"
    assert control.inputs["signingBehavior"] == "always"
    assert control.inputs["signingProtocol"] == "sigv4"
    [origin] = distribution.inputs["origins"]
    assert origin["domainName"] == bucket.outputs["bucketRegionalDomainName"]
    assert origin["originAccessControlId"] == control.id
    assert "s3OriginConfig" not in origin  # no legacy origin access identity
    assert "customOriginConfig" not in origin  # not the bucket's public website endpoint
    assert distribution.inputs["defaultRootObject"] == "index.html"


def test_viewers_use_https_only(deployment):
    distribution = only(deployment, DISTRIBUTION)
    behaviors = [
        distribution.inputs["defaultCacheBehavior"],
        *distribution.inputs.get("orderedCacheBehaviors", []),
    ]
    assert {b["viewerProtocolPolicy"] for b in behaviors} <= {"redirect-to-https", "https-only"}
    # With the default certificate AWS ignores a minimum protocol version (it sets TLSv1):
    # one set would be a claim AWS does not keep, and a diff on every update.
    assert distribution.inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert all(set(b["allowedMethods"]) == {"GET", "HEAD"} for b in behaviors)  # read-only


def test_the_bucket_policy_lets_only_this_distribution_read(deployment):
    bucket, distribution = only(deployment, BUCKET), only(deployment, DISTRIBUTION)
    policy = only(deployment, BUCKET_POLICY)
    assert policy.inputs["bucket"] == bucket.id
    [statement] = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == ["s3:GetObject"]
    assert statement["Resource"] == f"{bucket.outputs['arn']}/*"
    assert statement["Condition"] == {
        "StringEquals": {"AWS:SourceArn": distribution.outputs["arn"]}
    }


def test_every_file_of_the_site_is_uploaded_with_its_content_type(deployment):
    bucket = only(deployment, BUCKET)
    objects = {o.inputs["key"]: o for o in deployment.of_type(OBJECT)}
    expected = {path.as_posix() for path in site_files(SITE)}
    assert {"index.html", "app.js", "style.css"} <= expected
    assert set(objects) == expected | {CONFIG_OBJECT}
    types = {key: o.inputs["contentType"] for key, o in objects.items()}
    assert types["index.html"].startswith("text/html")
    assert types["app.js"].startswith("text/javascript")  # module scripts need a JS type
    assert types["style.css"].startswith("text/css")
    assert types[CONFIG_OBJECT] == "application/json"
    assert all(o.inputs["bucket"] == bucket.id for o in objects.values())
    assert all(o.inputs["cacheControl"] == "no-cache" for o in objects.values())


def test_config_json_is_built_from_the_stack_outputs(deployment):
    [config] = [o for o in deployment.of_type(OBJECT) if o.inputs["key"] == CONFIG_OBJECT]
    content = json.loads(config.inputs["content"])
    outputs = deployment.outputs
    assert set(content) == set(CONFIG_KEYS)
    for key in ("apiUrl", "graphqlUrl", "graphqlRealtimeUrl", "userPoolId", "userPoolClientId"):
        assert content[key] == outputs[key], key
    region = content["region"]
    assert outputs["userPoolId"].startswith(f"{region}_")
    assert content["cognitoEndpoint"] == f"https://cognito-idp.{region}.amazonaws.com/"


def test_the_storefront_url_is_the_distribution(deployment):
    distribution = only(deployment, DISTRIBUTION)
    assert deployment.outputs["storefrontUrl"] == f"https://{distribution.outputs['domainName']}/"
    assert deployment.outputs["storefrontBucketName"] == only(deployment, BUCKET).id


def test_the_api_allows_the_storefronts_origin(deployment):
    [api] = deployment.of_type("aws:apigatewayv2/api:Api")
    origin = f"https://{only(deployment, DISTRIBUTION).outputs['domainName']}"
    allowed = api.inputs["corsConfiguration"]["allowOrigins"]
    assert origin in allowed or allowed == ["*"]


def test_a_stack_with_named_origins_adds_the_distributions(prod):
    [api] = prod.of_type("aws:apigatewayv2/api:Api")
    origin = f"https://{only(prod, DISTRIBUTION).outputs['domainName']}"
    assert api.inputs["corsConfiguration"]["allowOrigins"] == ["https://shop.example", origin]


def test_a_site_without_an_index_or_a_config_with_other_keys_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"index\.html"):
        StorefrontArgs(site_dir=tmp_path, config=dict.fromkeys(CONFIG_KEYS, "x"))
    (tmp_path / "index.html").write_text("<!doctype html>")
    with pytest.raises(ValueError, match="exactly the keys"):
        StorefrontArgs(site_dir=tmp_path, config={"apiUrl": "x"})


def test_every_answer_carries_security_headers_whose_csp_admits_the_configs_endpoints(
    deployment,
):
    distribution = only(deployment, DISTRIBUTION)
    [policy] = deployment.of_type("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    assert distribution.inputs["defaultCacheBehavior"]["responseHeadersPolicyId"] == policy.id
    headers = policy.inputs["securityHeadersConfig"]
    assert headers["frameOptions"]["frameOption"] == "DENY"
    assert headers["contentTypeOptions"]["override"] is True
    assert headers["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 31536000
    csp = headers["contentSecurityPolicy"]["contentSecurityPolicy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self';" in csp
    # every endpoint config.json names is an origin the CSP lets the page connect to
    [stored] = [o for o in deployment.of_type(OBJECT) if o.inputs["key"] == CONFIG_OBJECT]
    config = json.loads(stored.inputs["content"])
    allowed = csp.split("connect-src ", 1)[1].split(";", 1)[0].split()
    for key in CONNECT_KEYS:
        host = config[key].split("://", 1)[1].split("/", 1)[0]
        assert any(fnmatch(f"{config[key].split('://')[0]}://{host}", o) for o in allowed), key
