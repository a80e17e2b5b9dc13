"""CloudFront: the storefront's origin access control and distribution, stored in the
emulator (which serves nothing through them: the local cloud serves the storefront itself,
localcloud/storefront.py)."""

import uuid
from typing import Any

from localcloud.provisioning.core import EmulatorMocks, Properties, handles


def _items(values: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(values), "Items": values}


@handles("aws:cloudfront/originAccessControl:OriginAccessControl")
def _origin_access(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    control = mocks.client("cloudfront").create_origin_access_control(
        OriginAccessControlConfig={
            "Name": mocks.physical_name(name, inputs),
            "Description": inputs.get("description") or "",
            "SigningProtocol": inputs["signingProtocol"],
            "SigningBehavior": inputs["signingBehavior"],
            "OriginAccessControlOriginType": inputs["originAccessControlOriginType"],
        }
    )
    return control["OriginAccessControl"]["Id"], {"etag": control["ETag"]}


def _behavior(behavior: Properties) -> dict[str, Any]:
    methods = behavior.get("allowedMethods") or ["GET", "HEAD"]
    cached = behavior.get("cachedMethods") or ["GET", "HEAD"]
    return {
        "TargetOriginId": behavior["targetOriginId"],
        "ViewerProtocolPolicy": behavior["viewerProtocolPolicy"],
        "AllowedMethods": _items(methods) | {"CachedMethods": _items(cached)},
        "Compress": bool(behavior.get("compress")),
        "CachePolicyId": behavior.get("cachePolicyId") or "",
    }


@handles("aws:cloudfront/distribution:Distribution")
def _distribution(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    origins = [
        {
            "Id": origin["originId"],
            "DomainName": origin["domainName"],
            "OriginAccessControlId": origin.get("originAccessControlId") or "",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }
        for origin in inputs["origins"]
    ]
    created = mocks.client("cloudfront").create_distribution(
        DistributionConfig={
            "CallerReference": str(uuid.uuid4()),
            "Comment": inputs.get("comment") or "",
            "Enabled": bool(inputs.get("enabled")),
            "DefaultRootObject": inputs.get("defaultRootObject") or "",
            "PriceClass": inputs.get("priceClass") or "PriceClass_All",
            "Origins": _items(origins),
            "DefaultCacheBehavior": _behavior(inputs["defaultCacheBehavior"]),
        }
    )["Distribution"]
    return created["Id"], {
        "arn": created["ARN"],
        "domainName": created["DomainName"],
        "status": created["Status"],
        "hostedZoneId": "Z2FDTNDATAQYW2",  # CloudFront's, for every distribution
    }
