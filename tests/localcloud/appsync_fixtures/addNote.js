import { util } from '@aws-appsync/utils';

export function request(ctx) {
  const owner = ctx.args.owner ?? ctx.identity.username;
  return {
    operation: 'PutItem',
    key: util.dynamodb.toMapValues({ owner, id: ctx.args.id ?? util.autoId() }),
    attributeValues: util.dynamodb.toMapValues({
      text: ctx.args.text,
      createdAt: util.time.nowISO8601(),
      by: ctx.identity.userArn ?? ctx.identity.username,
    }),
    condition: { expression: 'attribute_not_exists(#id)', expressionNames: { '#id': 'id' } },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result;
}
