"""Lazily created, cached boto3 clients, one accessor per service the functions call.

Creating a client loads its service model (~100 ms), so it happens on first
use instead of at import, and once per execution environment. boto3 honours
AWS_ENDPOINT_URL, which is how the local cloud points functions at its emulator.

The client types come from boto3-stubs (a development dependency): they exist
for the type checker only, never at run time.
"""

from functools import cache
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_stepfunctions import SFNClient


@cache
def dynamodb() -> "DynamoDBClient":
    return boto3.client("dynamodb")


@cache
def events() -> "EventBridgeClient":
    return boto3.client("events")


@cache
def stepfunctions() -> "SFNClient":
    return boto3.client("stepfunctions")
