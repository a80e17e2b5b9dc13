"""The AWS services the shop uses: boto3's names, moto's backend names, and a
cheap read-only request per service for the emulator's warm-up."""

from typing import Literal

# Their boto3 names: what boto3.client() takes (and its stubs, as literals).
Service = Literal[
    "sts",
    "sqs",
    "iam",
    "logs",
    "cloudwatch",
    "events",
    "dynamodb",
    "lambda",
    "apigatewayv2",
    "cognito-idp",
    "sns",
    "stepfunctions",
    "sesv2",
    "ses",
    "kms",
    "pipes",
    "dynamodbstreams",
    "appsync",
    "budgets",
    "scheduler",
    "s3",
    "cloudfront",
]

BOTO3_TO_MOTO: dict[Service, str] = {
    "sts": "sts",
    "sqs": "sqs",
    "iam": "iam",
    "logs": "logs",
    "cloudwatch": "cloudwatch",
    "events": "events",
    "dynamodb": "dynamodb",
    "lambda": "awslambda",
    "apigatewayv2": "apigatewayv2",
    "cognito-idp": "cognitoidp",
    "sns": "sns",
    "stepfunctions": "stepfunctions",
    "sesv2": "sesv2",
    "ses": "ses",
    "kms": "kms",
    "pipes": "pipes",
    "dynamodbstreams": "dynamodbstreams",
    "appsync": "appsync",
    "budgets": "budgets",
    "scheduler": "scheduler",
    "s3": "s3",
    "cloudfront": "cloudfront",
}

# The name a service's requests are signed with, where it is not the boto3 name:
# moto's server picks the backend by it (apigatewayv2 is served by moto's apigateway).
SIGNING_NAMES = {
    "apigatewayv2": "apigateway",
    "cloudwatch": "monitoring",
    "stepfunctions": "states",
    "sesv2": "ses",
    "dynamodbstreams": "dynamodb",
}

# boto3 name → (method, path, X-Amz-Target or query string, body): one read-only call.
_JSON_1_0 = "application/x-amz-json-1.0"
_JSON_1_1 = "application/x-amz-json-1.1"
_FORM = "application/x-www-form-urlencoded"
WARM_UP_REQUESTS: dict[str, dict[str, str]] = {
    "sts": {"content_type": _FORM, "body": "Action=GetCallerIdentity&Version=2011-06-15"},
    "sqs": {"content_type": _JSON_1_0, "target": "AmazonSQS.ListQueues"},
    "iam": {"content_type": _FORM, "body": "Action=ListRoles&Version=2010-05-08"},
    "logs": {"content_type": _JSON_1_1, "target": "Logs_20140328.DescribeLogGroups"},
    "cloudwatch": {"content_type": _FORM, "body": "Action=DescribeAlarms&Version=2010-08-01"},
    "events": {"content_type": _JSON_1_1, "target": "AWSEvents.ListEventBuses"},
    "dynamodb": {"content_type": _JSON_1_0, "target": "DynamoDB_20120810.ListTables"},
    "lambda": {"method": "GET", "path": "/2015-03-31/functions/"},
    "apigatewayv2": {"method": "GET", "path": "/v2/apis"},
    "cognito-idp": {
        "content_type": _JSON_1_1,
        "target": "AWSCognitoIdentityProviderService.ListUserPools",
        "body": '{"MaxResults": 1}',
    },
    "sns": {"content_type": _FORM, "body": "Action=ListTopics&Version=2010-03-31"},
    "stepfunctions": {"content_type": _JSON_1_0, "target": "AWSStepFunctions.ListStateMachines"},
    "sesv2": {"method": "GET", "path": "/v2/email/identities"},
    "ses": {"content_type": _FORM, "body": "Action=ListIdentities&Version=2010-12-01"},
    "kms": {"content_type": _JSON_1_1, "target": "TrentService.ListKeys"},
    "pipes": {"method": "GET", "path": "/v1/pipes"},
    "dynamodbstreams": {
        "content_type": _JSON_1_0,
        "target": "DynamoDBStreams_20120810.ListStreams",
    },
    "appsync": {"method": "GET", "path": "/v1/apis"},
    "scheduler": {"method": "GET", "path": "/schedules"},
}
