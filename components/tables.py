"""DynamoDB tables of a service (a helper, not a component): on demand, point-in-time
recovery, encryption and, when asked, deletion protection; string keys; every index
projects all attributes; a stream and a TTL attribute when asked. The owner's function
may use only the actions it names, on the table and its indexes."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import allow


@dataclass(frozen=True)
class TableIndex:
    name: str
    hash_key: str
    range_key: str | None = None


@dataclass
class TableArgs:
    hash_key: str
    range_key: str | None = None
    indexes: Sequence[TableIndex] = ()
    actions: Sequence[str] = (
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
    )
    stream_view_type: str | None = None  # a stream of its changes (NEW_IMAGE, …)
    ttl_attribute: str | None = None  # items expire at this attribute's epoch seconds


def key_schema(
    hash_key: str, range_key: str | None
) -> list[aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgsDict]:
    """An index's key schema, as the provider takes it."""
    keys: list[aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgsDict] = [
        {"attribute_name": hash_key, "key_type": "HASH"}
    ]
    return keys + ([{"attribute_name": range_key, "key_type": "RANGE"}] if range_key else [])


def own_table(
    name: str, table: TableArgs, deletion_protection: bool, parent: pulumi.Resource
) -> aws.dynamodb.Table:
    key_names = {table.hash_key, table.range_key} | {
        key for index in table.indexes for key in (index.hash_key, index.range_key)
    }
    attribute_names = sorted(key for key in key_names if key is not None)
    return aws.dynamodb.Table(
        name,
        billing_mode="PAY_PER_REQUEST",
        hash_key=table.hash_key,
        range_key=table.range_key,
        attributes=[{"name": key, "type": "S"} for key in attribute_names],
        global_secondary_indexes=[
            {
                "name": index.name,
                "key_schemas": key_schema(index.hash_key, index.range_key),
                "projection_type": "ALL",
            }
            for index in table.indexes
        ],
        point_in_time_recovery={"enabled": True},
        server_side_encryption={"enabled": True},
        deletion_protection_enabled=deletion_protection,
        stream_enabled=table.stream_view_type is not None,
        stream_view_type=table.stream_view_type,
        ttl={"attribute_name": table.ttl_attribute, "enabled": True}
        if table.ttl_attribute
        else None,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def own_table_statement(table: aws.dynamodb.Table, actions: Sequence[str]) -> dict[str, Any]:
    """The owner's grant: the actions it names, on the table and its indexes."""
    return allow("OwnTable", actions, [table.arn, pulumi.Output.concat(table.arn, "/index/*")])
