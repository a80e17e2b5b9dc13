"""The customer notifier as the program deploys it: its SES identity, the
configuration set's feedback, the rule from the events table and least privilege. The
policy pack holds it to the defaults: DKIM, suppression and TLS, the target's DLQ and
retries, logs without execution data, tracing and its failure alarm."""

import json

import pytest

from shop_common.contracts import CUSTOMER_NOTIFIER, DetailType, consumed_by
from tests.infra.helpers import ROLE, ROLE_POLICY, RULE, TARGET, granted_actions, queue_by_arn
from tests.infra.mocks import ACCOUNT
from workflows import customer_notifier
from workflows.customer_notifier import MESSAGES, definition

IDENTITY = "aws:sesv2/emailIdentity:EmailIdentity"
CONFIGURATION_SET = "aws:sesv2/configurationSet:ConfigurationSet"
EVENT_DESTINATION = "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination"
SENDER = {"dev": "orders@dev.shop.example", "prod": "orders@shop.example"}  # the stack files


def policy_of(deployment, role_arn: str) -> list[dict]:
    role = deployment.with_output("arn", role_arn, ROLE)
    [policy] = [
        p for p in deployment.of_type(ROLE_POLICY) if p.inputs["role"] == role.outputs["name"]
    ]
    return json.loads(policy.inputs["policy"])["Statement"]


def machine(deployment):
    return deployment.named("customer-notifier-state-machine")


def test_every_event_the_notifier_consumes_has_a_message_and_no_other():
    assert set(MESSAGES) == set(consumed_by(CUSTOMER_NOTIFIER))
    assert {
        DetailType.ORDER_PAID,
        DetailType.ORDER_PAYMENT_FAILED,
        DetailType.ORDER_REJECTED,
        DetailType.ORDER_CANCELLED,
    } <= set(MESSAGES)


def test_a_consumed_event_without_a_message_stops_the_definition(monkeypatch):
    monkeypatch.delitem(customer_notifier.MESSAGES, DetailType.ORDER_CANCELLED)
    with pytest.raises(ValueError, match="one message per event"):
        definition(orders_table="t", topic_arn="a", sender="o@x.example", configuration_set="c")


def test_the_sender_domain_is_an_identity_in_the_configuration_set(deployment, request):
    stack = request.node.callspec.params["deployment"]
    [identity] = deployment.of_type(IDENTITY)
    [configuration_set] = deployment.of_type(CONFIGURATION_SET)
    assert identity.inputs["emailIdentity"] == SENDER[stack].split("@")[1]
    assert (
        identity.inputs["configurationSetName"] == configuration_set.inputs["configurationSetName"]
    )
    # The DKIM tokens are exported: each is a CNAME to publish in the domain's DNS.
    assert (
        deployment.outputs["emailDkimTokens"] == identity.outputs["dkimSigningAttributes"]["tokens"]
    )


def test_bounces_and_complaints_go_to_the_encrypted_feedback_topic_only_ses_may_use(
    deployment,
):
    [destination] = deployment.of_type(EVENT_DESTINATION)
    [configuration_set] = deployment.of_type(CONFIGURATION_SET)
    feedback = deployment.named("customer-notifier-feedback")
    event_destination = destination.inputs["eventDestination"]
    assert (
        destination.inputs["configurationSetName"]
        == (configuration_set.inputs["configurationSetName"])
    )
    assert event_destination["enabled"] is True
    assert sorted(event_destination["matchingEventTypes"]) == ["BOUNCE", "COMPLAINT"]
    assert event_destination["snsDestination"] == {"topicArn": feedback.outputs["arn"]}
    assert deployment.outputs["emailFeedbackTopicArn"] == feedback.outputs["arn"]
    [policy] = [
        p
        for p in deployment.of_type("aws:sns/topicPolicy:TopicPolicy")
        if p.inputs["arn"] == feedback.outputs["arn"]
    ]
    [statement] = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnEquals": {"aws:SourceArn": configuration_set.outputs["arn"]},
    }


def test_the_rule_matches_exactly_the_events_the_table_gives_the_notifier(deployment):
    rule = deployment.named("customer-notifier-rule")
    pattern = json.loads(rule.inputs["eventPattern"])
    consumed = consumed_by(CUSTOMER_NOTIFIER)
    assert pattern["detail-type"] == [t.value for t in consumed]
    assert pattern["source"] == ["shop.ordering", "shop.products"]
    assert rule.inputs["eventBusName"] == deployment.outputs["eventBusName"]


def test_the_rule_starts_the_machine_with_a_role_that_may_only_start_it(
    deployment,
):
    rule = deployment.named("customer-notifier-rule")
    [target] = [t for t in deployment.of_type(TARGET) if t.inputs["rule"] == rule.outputs["name"]]
    assert target.inputs["arn"] == machine(deployment).outputs["arn"]
    dlq = queue_by_arn(deployment, target.inputs["deadLetterConfig"]["arn"])
    assert deployment.outputs["customerNotifierTargetDlqUrl"] == dlq.outputs["url"]
    [statement] = policy_of(deployment, target.inputs["roleArn"])
    assert statement["Action"] == ["states:StartExecution"]
    assert statement["Resource"] == machine(deployment).outputs["arn"]
    trust = json.loads(
        deployment.with_output("arn", target.inputs["roleArn"], ROLE).inputs["assumeRolePolicy"]
    )
    assert trust["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}


def test_the_machine_is_express_reads_claims_emails_and_publishes_and_nothing_else(deployment):
    notifier = machine(deployment)
    assert notifier.inputs["type"] == "EXPRESS"
    states = json.loads(notifier.inputs["definition"])["States"]
    tasks = [s for s in states.values() if s["Type"] == "Task"]
    assert {t["Resource"] for t in tasks} == {
        "arn:aws:states:::dynamodb:getItem",
        "arn:aws:states:::dynamodb:updateItem",
        "arn:aws:states:::aws-sdk:sesv2:sendEmail",
        "arn:aws:states:::sns:publish",
    }
    [configuration_set] = deployment.of_type(CONFIGURATION_SET)
    [identity] = deployment.of_type(IDENTITY)
    send = states["SendEmail"]["Parameters"]
    assert send["ConfigurationSetName"] == configuration_set.inputs["configurationSetName"]
    assert send["FromEmailAddress"].endswith(f"@{identity.inputs['emailIdentity']}")
    assert (
        states["PublishOutcome"]["Parameters"]["TopicArn"]
        == (deployment.outputs["notificationTopicArn"])
    )

    own = policy_of(deployment, notifier.inputs["roleArn"])
    orders = deployment.with_output(
        "name", deployment.outputs["ordersTableName"], "aws:dynamodb/table:Table"
    )
    by_sid = {s["Sid"]: s for s in own}
    assert {a for a in granted_actions(own) if not a.startswith(("logs:", "xray:"))} == {
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "ses:SendEmail",
        "sns:Publish",
    }
    assert by_sid["ReadOrdersAndClaimNotifications"]["Resource"] == orders.outputs["arn"]
    assert by_sid["EmailCustomers"]["Resource"] == [
        identity.outputs["arn"],
        configuration_set.outputs["arn"],
    ]
    assert by_sid["PublishOutcomes"]["Resource"] == deployment.outputs["notificationTopicArn"]
    for statement in own:
        if statement["Resource"] == "*":
            assert all(a.startswith(("logs:", "xray:")) for a in statement["Action"])


def test_only_the_notifier_the_audit_recorder_and_the_reviews_rules_target_a_state_machine(
    deployment,
):
    machines = {m.outputs["arn"] for m in deployment.of_type("aws:sfn/stateMachine:StateMachine")}
    targets = [t for t in deployment.of_type(TARGET) if t.inputs["arn"] in machines]
    # the reviews' four: tests/infra/test_reviews.py
    assert sorted(deployment.with_output("name", t.inputs["rule"], RULE).name for t in targets) == [
        "audit-recorder-rule",
        "customer-notifier-rule",
        "reviews-analysis-rule",
        "reviews-customer-service-rule",
        "reviews-resumer-rule",
        "reviews-thanks-rule",
    ]
