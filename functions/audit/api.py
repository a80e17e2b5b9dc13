"""HTTP route of the audit (admins): the events of one correlation, as the audit kept them."""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths

from audit import service
from audit.repository import NARROWING
from shop_common import http
from shop_common.contracts import AUDIT_QUERY
from shop_common.models import AuditEventPage
from shop_common.observability import logger

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = http.new_resolver()
route = http.Router(app, __name__)


@route
def list_audit_events() -> AuditEventPage:
    correlation_id = http.required_query_value(app, "correlationId", AUDIT_QUERY["correlationId"])
    given = {name: http.query_value(app, name, AUDIT_QUERY[name]) for name in NARROWING}
    narrowing = {name: value for name, value in given.items() if value is not None}
    token = app.current_event.get_query_string_value("nextToken")
    return service.events(correlation_id, narrowing, token)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
