import { util, extensions } from '@aws-appsync/utils';

export function request(ctx) {
  return { payload: null };
}

// Each user hears of their own notes only.
export function response(ctx) {
  const filter = util.transform.toSubscriptionFilter({ owner: { eq: ctx.identity.username } });
  extensions.setSubscriptionFilter(filter);
  return null;
}
