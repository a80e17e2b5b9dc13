"""Lazily created, cached boto3 clients.

Creating a client loads its service model (~100 ms), so it happens on first
use instead of at import, and once per execution environment. boto3 honours
AWS_ENDPOINT_URL, which is how the local cloud points functions at its emulator.
"""

from functools import cache

import boto3


@cache
def client(service_name: str):
    return boto3.client(service_name)
