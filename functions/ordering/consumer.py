"""SQS consumer of the ordering service: CheckoutBasket → an order (PENDING);
StockReserved → its payment; OrderRejected → REJECTED; OrderPaid → fulfilment;
OrderCancelled → the refund of a paid order; OrderStalled (the sweeper) → a re-drive.
Each status change it makes is counted in the day's sales with it; the workflows'
(OrderPaymentFailed, OrderRefunded) are counted here, once (ordering/sales.py)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from ordering import service
from shop_common.contracts import DetailType
from shop_common.inbound import read_event
from shop_common.metric_names import Metric
from shop_common.models import (
    CheckoutBasket,
    OrderPaid,
    OrderPaymentFailed,
    OrderRefunded,
    OrderRejected,
    OrderStalled,
)
from shop_common.observability import logger, metrics

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def _placed(data: dict[str, Any]) -> None:
    if service.place(cast(CheckoutBasket, data)):
        metrics.add_metric(name=Metric.ORDERS_PLACED, unit="Count", value=1)
        logger.info("order placed")
    else:
        logger.info("duplicate checkout: the order already exists")


def _reserved(data: dict[str, Any]) -> None:
    started = service.start_payment(str(data["orderId"]))
    logger.info("payment started" if started else "no payment to start")


def _paid(data: dict[str, Any]) -> None:
    handed = service.request_fulfilment(cast(OrderPaid, data))
    if handed:  # once per order: fulfilment is requested once
        metrics.add_metric(name=Metric.ORDERS_PAID, unit="Count", value=1)
    logger.info("handed to the carrier" if handed else "no fulfilment to request")


def _cancelled(data: dict[str, Any]) -> None:
    refunding = service.start_refund(str(data["orderId"]))
    logger.info("refund started" if refunding else "no refund due")


def _payment_failed(data: dict[str, Any]) -> None:
    counted = service.count_payment_failure(cast(OrderPaymentFailed, data))
    logger.info("payment failure counted" if counted else "payment failure counted before")


def _refunded(data: dict[str, Any]) -> None:
    counted = service.count_refund(cast(OrderRefunded, data))
    logger.info("refund counted" if counted else "refund counted before")


def _rejected(data: dict[str, Any]) -> None:
    rejected = service.reject(cast(OrderRejected, data))
    if rejected:
        metrics.add_metric(name=Metric.ORDERS_REJECTED, unit="Count", value=1)
    logger.info("order rejected" if rejected else "order no longer pending")


def _stalled(data: dict[str, Any]) -> None:
    logger.info(f"stale order: {service.redrive(cast(OrderStalled, data))}")


# What each event the events table gives this consumer does (read_event accepts no other).
HANDLERS: dict[DetailType, Callable[[dict[str, Any]], None]] = {
    DetailType.CHECKOUT_BASKET: _placed,
    DetailType.STOCK_RESERVED: _reserved,
    DetailType.ORDER_PAID: _paid,
    DetailType.ORDER_CANCELLED: _cancelled,
    DetailType.ORDER_PAYMENT_FAILED: _payment_failed,
    DetailType.ORDER_REFUNDED: _refunded,
    DetailType.ORDER_REJECTED: _rejected,
    DetailType.ORDER_STALLED: _stalled,
}


def handle_record(record: SQSRecord) -> None:
    detail_type, data = read_event(record.body, __name__)  # contract-valid, so cast above
    logger.append_keys(orderId=data["orderId"])
    try:
        HANDLERS[detail_type](data)
    finally:  # a failed record must not lend its order id to the next one's logs
        logger.remove_keys(["orderId"])


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> "PartialItemFailureResponse":
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
