import { util } from '@aws-appsync/utils';

export function request(ctx) {
  // ctx.prev.result: what greet returned
  return {
    operation: 'GetItem',
    key: util.dynamodb.toMapValues({ owner: ctx.stash.owner, id: ctx.args.id }),
  };
}

export function response(ctx) {
  return ctx.result ?? { text: `no note (after ${ctx.prev.result})` };
}
