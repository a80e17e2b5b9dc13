"""DynamoDB tables (with their streams and TTL settings)."""

from localcloud.provisioning.core import EmulatorMocks, Properties, handles


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    return keys + ([{"AttributeName": range_key, "KeyType": "RANGE"}] if range_key else [])


@handles("aws:dynamodb/table:Table")
def _table(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    table = mocks.physical_name(name, inputs, 255)
    indexes = [
        {
            "IndexName": index["name"],
            "KeySchema": [
                {"AttributeName": k["attributeName"], "KeyType": k["keyType"]}
                for k in index["keySchemas"]
            ],
            "Projection": {"ProjectionType": index["projectionType"]},
        }
        for index in inputs.get("globalSecondaryIndexes", [])
    ]
    dynamodb = mocks.client("dynamodb")
    description = dynamodb.create_table(
        TableName=table,
        BillingMode=inputs.get("billingMode", "PROVISIONED"),
        KeySchema=_key_schema(inputs["hashKey"], inputs.get("rangeKey")),
        AttributeDefinitions=[
            {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs["attributes"]
        ],
        SSESpecification={"Enabled": bool(inputs.get("serverSideEncryption", {}).get("enabled"))},
        DeletionProtectionEnabled=bool(inputs.get("deletionProtectionEnabled")),
        **({"GlobalSecondaryIndexes": indexes} if indexes else {}),
        **(
            {
                "StreamSpecification": {
                    "StreamEnabled": True,
                    "StreamViewType": inputs["streamViewType"],
                }
            }
            if inputs.get("streamEnabled")
            else {}
        ),
    )["TableDescription"]
    ttl = inputs.get("ttl") or {}
    if ttl.get("enabled"):  # stored; moto does not expire items
        dynamodb.update_time_to_live(
            TableName=table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
        )
    if inputs.get("pointInTimeRecovery", {}).get("enabled"):
        dynamodb.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    stream = {"streamArn": description["LatestStreamArn"]} if inputs.get("streamEnabled") else {}
    return table, {"name": table, "arn": description["TableArn"], **stream}
