"""Ordering: the consumer that turns checkouts into orders, and the orders API."""
