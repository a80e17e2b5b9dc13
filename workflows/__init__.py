"""State machine definitions (Amazon States Language), built as plain data."""

import components  # noqa: F401 - puts the shared contracts (functions/shop_common) on the path
