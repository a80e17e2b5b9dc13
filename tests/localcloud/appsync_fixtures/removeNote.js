import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    operation: 'DeleteItem',
    key: util.dynamodb.toMapValues({ owner: ctx.identity.username, id: ctx.args.id }),
  };
}

export function response(ctx) {
  return ctx.result;
}
