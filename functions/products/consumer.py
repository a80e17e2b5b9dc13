"""SQS consumer, the stock keeper: reserves an order's lines when it is created (all or
none: StockReserved or OrderRejected) and gives them back, once, when its payment
fails or it is cancelled."""

from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from products import stock
from shop_common.contracts import DetailType
from shop_common.inbound import read_event
from shop_common.metric_names import Metric
from shop_common.models import Order
from shop_common.observability import logger, metrics

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def handle_record(record: SQSRecord) -> None:
    detail_type, data = read_event(record.body, __name__)
    order_id = str(data["orderId"])
    if detail_type is DetailType.ORDER_CREATED:
        decided = stock.reserve(cast(Order, data))  # contract-valid: an Order
        metrics.add_metric(name=Metric.STOCK_DECISIONS, unit="Count", value=int(decided))
        logger.info("stock decided" if decided else "stock decided before", orderId=order_id)
    else:
        released = stock.release(order_id, str(data["userId"]))
        logger.info(
            "stock released" if released else "nothing to release",
            orderId=order_id,
            cause=detail_type.value,
        )


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> "PartialItemFailureResponse":
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
