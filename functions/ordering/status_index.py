"""The orders table's byStatus index, declared once: every order of one status, newest
first, for the admin listing, and oldest first for the stale-order sweeper
(workflows/sweeper.py). Its shards also shard the baskets' checkout index
(basket/repository.py) and the day's sales counters (ordering/sales.py).

A status is not one partition: an order's partition is its status and a shard,
`statusShard` = "<status>#<shard>", where the shard is a stable hash of the orderId
modulo SHARDS, so a busy status spreads over SHARDS partitions. A page of one status
queries each shard and merges them (ordering/repository.py `page_by_status`).

Every write that sets an order's status sets its statusShard in the same write:
the consumer's put (ordering/repository.py `create`), cancellation (`update_if_open`)
and the order workflow's updates (workflows/order_workflow.py `_set_status`, from the
`shard` its input carries). The program builds the index from INDEX (__main__.py).

No boto3 here: the program and the workflow definition import it too.
"""

import zlib
from typing import Final

INDEX: Final = "byStatus"
PARTITION_KEY: Final = "statusShard"
SORT_KEY: Final = "createdAt"
SHARDS: Final = 10  # changing it moves orders between shards: re-shard every stored order
SEPARATOR: Final = "#"


def shard_of(order_id: str) -> int:
    """The order's shard: the same in every process (unlike hash(), which is salted)."""
    return zlib.crc32(order_id.encode()) % SHARDS


def status_shard(status: str, shard: int) -> str:
    """The index partition of an order of this status in this shard."""
    return f"{status}{SEPARATOR}{shard}"
