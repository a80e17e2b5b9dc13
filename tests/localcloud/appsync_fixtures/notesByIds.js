import { util } from '@aws-appsync/utils';

export function request(ctx) {
  const owner = ctx.identity.username;
  return {
    operation: 'BatchGetItem',
    tables: { notes: { keys: ctx.args.ids.map((id) => util.dynamodb.toMapValues({ owner, id })) } },
  };
}

export function response(ctx) {
  return ctx.result.data.notes;
}
