"""Baskets: one per customer, priced from the catalogue, checked out into an order."""
