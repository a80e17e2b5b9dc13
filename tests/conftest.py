"""Settings shared by every test: no test may reach a real AWS account."""

import os

# The local cloud's fixtures (shop, customer): one local cloud per session, shared by the
# end-to-end and the browser tests.
pytest_plugins = ["tests.local_shop"]

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "shop-tests",
        "POWERTOOLS_SERVICE_NAME": "shop-tests",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
