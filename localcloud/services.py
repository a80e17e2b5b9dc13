"""The AWS services the shop uses: boto3's names and moto's backend names."""

BOTO3_TO_MOTO = {
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
}
