"""DynamoDB's hard limits, which the shop's own limits are derived from.

moto does not enforce all of them (the key sizes, for one), so the services
check them at the edge: past a limit, AWS answers a ValidationException, which
would reach a client as a 500.
"""

MAX_ITEM_BYTES = 400 * 1024
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
MAX_NESTING_DEPTH = 32  # maps and lists inside an item
MAX_NUMBER_DIGITS = 38  # significant digits of a number
BATCH_GET_MAX_KEYS = 100
TRANSACT_WRITE_MAX_ITEMS = 100
