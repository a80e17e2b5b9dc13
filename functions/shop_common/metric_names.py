"""The shop's own metrics: what the functions emit with Powertools Metrics (EMF), and
what the dashboard and alarms read (components/dashboard.py, components/alarms.py).

Every function's POWERTOOLS_METRICS_NAMESPACE is NAMESPACE (components/function.py), and
Powertools adds the dimension `service` (its POWERTOOLS_SERVICE_NAME) to each metric.
tests/infra/test_observability.py reads the `add_metric` calls of each function's code and
fails when the dashboard or an alarm names a metric no function emits.
"""

from enum import StrEnum

NAMESPACE = "shop"
SERVICE_DIMENSION = "service"  # Powertools' default dimension: the function's service name


class Metric(StrEnum):
    PRODUCTS_CREATED = "ProductsCreated"
    CHECKOUTS_ACCEPTED = "CheckoutsAccepted"
    ORDERS_PLACED = "OrdersPlaced"
    ORDERS_REJECTED = "OrdersRejected"
    ORDERS_PAID = "OrdersPaid"
    ORDERS_PAYMENT_FAILED = "OrdersPaymentFailed"
    STOCK_DECISIONS = "StockDecisions"
    STALE_ORDERS_FOUND = "StaleOrdersFound"  # for the sweeper (not built yet)
