"""SQS consumer: order outcomes empty (OrderPaid) or reopen (failed, cancelled) baskets."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from basket import service
from shop_common.contracts import DetailType
from shop_common.inbound import read_event
from shop_common.metric_names import Metric
from shop_common.observability import logger, metrics

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def handle_record(record: SQSRecord) -> None:
    detail_type, data = read_event(record.body, __name__)
    applied = service.on_order_event(detail_type, data["orderId"], data["userId"])
    if applied and detail_type is DetailType.ORDER_PAYMENT_FAILED:
        # Counted here, once per order (its basket reopens once): the ordering service
        # does not consume this outcome, the workflow that decides it emits no metrics.
        metrics.add_metric(name=Metric.ORDERS_PAYMENT_FAILED, unit="Count", value=1)
    logger.info(
        "order event applied" if applied else "order event no longer concerns the basket",
        extra={"detailType": detail_type, "orderId": data["orderId"]},
    )


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> "PartialItemFailureResponse":
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
