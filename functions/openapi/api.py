"""GET /openapi.json: the document bundled next to this module, read once."""

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.logging import correlation_paths

from shop_common import http
from shop_common.observability import logger

if TYPE_CHECKING:  # not imported at run time: each import is paid on a cold start
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = http.new_resolver()
route = http.Router(app, __name__)
DOCUMENT = Path(__file__).with_name("openapi.json")


@cache
def _document() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


@route
def openapi_document() -> Response[str]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=_document(),
        headers={"Cache-Control": "public, max-age=300"},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return app.resolve(event, context)
