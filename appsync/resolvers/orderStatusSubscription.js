// Subscription.onOrderStatusChanged(orderId) and onMyOrderStatusChanged: a customer
// hears only of their own orders. The filter is set by the server, from the verified
// identity: another customer who subscribes with this order's id receives nothing.
import { util, extensions } from '@aws-appsync/utils';

export function request() {
  return { payload: null };
}

export function response(ctx) {
  const filter = { userId: { eq: ctx.identity.sub } };
  if (ctx.args.orderId) {
    filter.orderId = { eq: ctx.args.orderId };
  }
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(filter));
  return null;
}
