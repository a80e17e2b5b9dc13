"""The pipeline tag (a helper, not a component).

Some of the shop's flows are service integrations with no Lambda function in them:
the outboxes' pipes, the order and refund workflows, the customer notifier and the
GraphQL order-status push. Their components tag every resource of the flow that
accepts tags with `shop:pipeline=<name>`, and the policy pack's
`no-lambda-in-pipelines` (policy/shop_policies.py) fails when a Lambda function carries
the tag or is the target, integration, data source or task of a tagged resource.

The tag is set by a transformation on the component, so the resources its helpers
build (DLQs, alarms, log groups, tables) are tagged too, and only those whose type
has `tags`.
"""

import pulumi

PIPELINE_TAG = "shop:pipeline"


def pipeline_options(
    opts: pulumi.ResourceOptions | None, pipeline: str, names_from: str = ""
) -> pulumi.ResourceOptions:
    """A component's options, plus a transformation that tags each of its resources
    that accepts tags (and whose name starts with `names_from`) with
    `shop:pipeline=<pipeline>`."""

    def tag(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        # A resource type without tags has no `tags` key among its properties.
        if "tags" not in args.props or not args.name.startswith(names_from):
            return None
        tags = pulumi.Output.from_input(args.props["tags"] or {}).apply(
            lambda given: {**given, PIPELINE_TAG: pipeline}
        )
        return pulumi.ResourceTransformationResult({**args.props, "tags": tags}, args.opts)

    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(transformations=[tag]))
