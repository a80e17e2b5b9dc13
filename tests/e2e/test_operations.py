"""Operations in the local cloud: stored as the program declares them, never evaluated
(the start-up summary says so): alarms with their actions, the budget, the dashboard."""

import json

import pytest

from localcloud.lambda_events import ACCOUNT_ID

pytestmark = pytest.mark.e2e


def test_every_alarm_the_emulator_holds_notifies_the_ops_topic(shop):
    alarms = shop.aws("cloudwatch").describe_alarms(MaxRecords=100)["MetricAlarms"]
    assert alarms
    for alarm in alarms:
        assert alarm["AlarmActions"] == [shop.outputs["opsTopicArn"]], alarm["AlarmName"]
        assert alarm["OKActions"] == [shop.outputs["opsTopicArn"]], alarm["AlarmName"]


def test_the_budget_alerts_the_ops_topic(shop):
    budgets = shop.aws("budgets")
    [budget] = budgets.describe_budgets(AccountId=ACCOUNT_ID)["Budgets"]
    assert (budget["BudgetType"], budget["TimeUnit"]) == ("COST", "MONTHLY")
    notifications = budgets.describe_notifications_for_budget(
        AccountId=ACCOUNT_ID, BudgetName=budget["BudgetName"]
    )["Notifications"]
    assert {(n["NotificationType"], n["Threshold"]) for n in notifications} == {
        ("ACTUAL", 80),
        ("FORECASTED", 100),
    }


def test_the_dashboard_is_stored_under_the_name_its_url_gives(shop):
    name = shop.outputs["dashboardUrl"].rsplit("#dashboards:name=", 1)[1]
    body = shop.aws("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"]
    assert json.loads(body)["widgets"]
