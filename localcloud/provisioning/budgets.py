"""AWS Budgets: budgets and their notifications (stored; the emulator has no bill, so
no alert is ever sent)."""

from localcloud.lambda_events import ACCOUNT_ID
from localcloud.provisioning.core import EmulatorMocks, Properties, handles


@handles("aws:budgets/budget:Budget")
def _budget(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    budget = mocks.physical_name(name, inputs, 100)
    mocks.client("budgets").create_budget(
        AccountId=ACCOUNT_ID,
        Budget={
            "BudgetName": budget,
            "BudgetType": inputs["budgetType"],
            "TimeUnit": inputs["timeUnit"],
            "BudgetLimit": {"Amount": inputs["limitAmount"], "Unit": inputs["limitUnit"]},
        },
        NotificationsWithSubscribers=[
            {
                "Notification": {
                    "NotificationType": notification["notificationType"],
                    "ComparisonOperator": notification["comparisonOperator"],
                    "Threshold": float(notification["threshold"]),
                    "ThresholdType": notification["thresholdType"],
                },
                "Subscribers": [
                    {"SubscriptionType": "SNS", "Address": arn}
                    for arn in notification.get("subscriberSnsTopicArns", [])
                ],
            }
            for notification in inputs.get("notifications", [])
        ],
    )
    arn = f"arn:aws:budgets::{ACCOUNT_ID}:budget/{budget}"
    return f"{ACCOUNT_ID}:{budget}", {"name": budget, "arn": arn}
