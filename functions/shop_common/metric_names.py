"""The shop's own metrics: what the functions emit with Powertools Metrics (EMF), and
what the dashboard and alarms read (components/dashboard.py, components/alarms.py).

Every function's POWERTOOLS_METRICS_NAMESPACE is NAMESPACE (components/function.py), and
Powertools adds the dimension `service` (its POWERTOOLS_SERVICE_NAME) to each metric. A
state machine puts its own with PutMetricData, in NAMESPACE, `service` its name.
tests/infra/test_observability.py reads the `add_metric` calls of each function's code and
the PutMetricData tasks of each state machine, and fails when the dashboard or an alarm
names a metric nothing emits.
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
    # Put by the sweeper's state machine (workflows/sweeper.py), not EMF: no function.
    STALE_ORDERS_FOUND = "StaleOrdersFound"
