"""Reading the audit (for admins): a correlation's events, narrowed."""

from collections.abc import Mapping

from audit import repository
from shop_common.models import AuditEventPage


def events(correlation_id: str, narrowing: Mapping[str, str], token: str | None) -> AuditEventPage:
    """The events of one correlation (an order's or a product's id) the audit kept, in the
    order they reached the bus, narrowed by source, detail-type and time."""
    items, next_token = repository.correlated(correlation_id, narrowing, token)
    return {"items": items, "nextToken": next_token}
