"""SQS consumer of the ordering service: CheckoutBasket → an order (PENDING);
StockReserved → its payment; OrderRejected → REJECTED; OrderPaid → fulfilment;
OrderCancelled → the refund of a paid order; OrderStalled (the sweeper) → a re-drive."""

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
from shop_common.models import CheckoutBasket, OrderRejected, OrderStalled
from shop_common.observability import logger, metrics

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def handle_record(record: SQSRecord) -> None:
    detail_type, data = read_event(record.body, __name__)  # contract-valid, so cast below
    logger.append_keys(orderId=data["orderId"])
    try:
        if detail_type is DetailType.CHECKOUT_BASKET:
            if service.place(cast(CheckoutBasket, data)):
                metrics.add_metric(name=Metric.ORDERS_PLACED, unit="Count", value=1)
                logger.info("order placed")
            else:
                logger.info("duplicate checkout: the order already exists")
        elif detail_type is DetailType.STOCK_RESERVED:
            started = service.start_payment(str(data["orderId"]))
            logger.info("payment started" if started else "no payment to start")
        elif detail_type is DetailType.ORDER_PAID:
            handed = service.request_fulfilment(str(data["orderId"]))
            if handed:  # once per order: fulfilment is requested once
                metrics.add_metric(name=Metric.ORDERS_PAID, unit="Count", value=1)
            logger.info("handed to the carrier" if handed else "no fulfilment to request")
        elif detail_type is DetailType.ORDER_CANCELLED:
            refunding = service.start_refund(str(data["orderId"]))
            logger.info("refund started" if refunding else "no refund due")
        elif detail_type is DetailType.ORDER_STALLED:
            logger.info(f"stale order: {service.redrive(cast(OrderStalled, data))}")
        elif detail_type is DetailType.ORDER_REJECTED:
            rejected = service.reject(cast(OrderRejected, data))
            if rejected:
                metrics.add_metric(name=Metric.ORDERS_REJECTED, unit="Count", value=1)
            logger.info("order rejected" if rejected else "order no longer pending")
        else:  # read_event accepts only what the events table gives this consumer
            raise AssertionError(f"{detail_type} has no handler here")
    finally:  # a failed record must not lend its order id to the next one's logs
        logger.remove_keys(["orderId"])


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> "PartialItemFailureResponse":
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
