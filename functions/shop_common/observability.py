"""The one place that builds the Powertools observability objects.

Service name, metrics namespace and log level come from the environment that
components/function.py sets (POWERTOOLS_SERVICE_NAME, ...). Tracing is Lambda's
active X-Ray tracing, configured on the function: the X-Ray SDK that
Powertools' Tracer loads costs ~100 ms of cold start (see docs/decisions.md).
"""

import warnings

from aws_lambda_powertools import Logger, Metrics

# Reads publish no metric by design; Powertools would warn about each of them.
warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)

logger = Logger()
metrics = Metrics()
