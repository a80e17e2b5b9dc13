"""S3: the storefront's bucket, its settings, policy and objects. The local cloud serves
the storefront from web/storefront itself (storefront.py); the bucket holds the same files,
for `aws s3` against the emulator, as the program uploads them."""

from pathlib import Path
from typing import Any

from localcloud.provisioning.core import EmulatorMocks, Properties, handles


def _body(inputs: Properties) -> bytes:
    """An object's content: its `content`, or its `source` asset's file."""
    source: Any = inputs.get("source")
    if source is not None:
        return Path(getattr(source, "path", source)).read_bytes()
    return str(inputs.get("content") or "").encode()


@handles("aws:s3/bucket:Bucket")
def _bucket(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    bucket = inputs.get("bucket") or mocks.physical_name(name, {}, 63).lower()
    location = (
        {"CreateBucketConfiguration": {"LocationConstraint": mocks.region}}
        if mocks.region != "us-east-1"
        else {}
    )
    mocks.client("s3").create_bucket(Bucket=bucket, **location)
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "region": mocks.region,
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{mocks.region}.amazonaws.com",
    }


@handles("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
def _public_access_block(
    mocks: EmulatorMocks, name: str, inputs: Properties
) -> tuple[str, Properties]:
    settings = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    mocks.client("s3").put_public_access_block(
        Bucket=inputs["bucket"],
        PublicAccessBlockConfiguration={
            key[0].upper() + key[1:]: bool(inputs.get(key)) for key in settings
        },
    )
    return str(inputs["bucket"]), {}


@handles("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
def _ownership(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    mocks.client("s3").put_bucket_ownership_controls(
        Bucket=inputs["bucket"],
        OwnershipControls={"Rules": [{"ObjectOwnership": inputs["rule"]["objectOwnership"]}]},
    )
    return str(inputs["bucket"]), {}


@handles("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
def _encryption(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    rules = [
        {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"]
            }
        }
        for rule in inputs["rules"]
    ]
    mocks.client("s3").put_bucket_encryption(
        Bucket=inputs["bucket"], ServerSideEncryptionConfiguration={"Rules": rules}
    )
    return str(inputs["bucket"]), {}


@handles("aws:s3/bucketPolicy:BucketPolicy")
def _policy(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    mocks.client("s3").put_bucket_policy(Bucket=inputs["bucket"], Policy=inputs["policy"])
    return str(inputs["bucket"]), {}


@handles("aws:s3/bucketObjectv2:BucketObjectv2")
def _object(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    optional = {
        "ContentType": inputs.get("contentType"),
        "CacheControl": inputs.get("cacheControl"),
    }
    etag = mocks.client("s3").put_object(
        Bucket=inputs["bucket"],
        Key=inputs["key"],
        Body=_body(inputs),
        **{k: v for k, v in optional.items() if v},
    )["ETag"]
    return f"{inputs['bucket']}/{inputs['key']}", {"etag": etag.strip('"')}
