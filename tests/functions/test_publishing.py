"""The event publisher fails loudly; event ids are stable for re-publication."""

import pytest
from botocore.stub import Stubber

from shop_common import clients, events
from shop_common.contracts import DetailType
from tests.functions.conftest import BUS, environment

ENV = {"EVENT_BUS_NAME": BUS}


def test_a_rejected_entry_raises_instead_of_being_lost():
    # moto accepts every well-formed entry, so EventBridge's partial failure is stubbed.
    stub = Stubber(clients.events())
    stub.add_response(
        "put_events",
        {
            "FailedEntryCount": 1,
            "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}],
        },
    )
    with stub, environment(ENV), pytest.raises(events.EventPublishError, match="Throttling"):
        events.publish(DetailType.CHECKOUT_BASKET, {"orderId": "o1"}, correlation_id="o1")
    stub.assert_no_pending_responses()


def test_the_envelope_carries_id_correlation_and_version():
    detail = events.envelope({"orderId": "o1"}, correlation_id="o1", event_id="e1")
    assert detail == {
        "metadata": {"eventId": "e1", "correlationId": "o1", "version": "1"},
        "data": {"orderId": "o1"},
    }


def test_stable_event_ids_depend_on_order_and_type_only():
    assert events.stable_event_id("o1", "OrderCreated") == events.stable_event_id(
        "o1", "OrderCreated"
    )
    assert events.stable_event_id("o1", "OrderCreated") != events.stable_event_id(
        "o2", "OrderCreated"
    )
    assert events.stable_event_id("o1", "OrderCreated") != events.stable_event_id(
        "o1", "CheckoutBasket"
    )
