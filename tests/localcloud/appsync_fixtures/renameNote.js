import { util } from '@aws-appsync/utils';

// Changes the text only if it still is the one the caller saw.
export function request(ctx) {
  const condition = JSON.parse(util.transform.toDynamoDBConditionExpression({ text: { eq: ctx.args.expected } }));
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues({ owner: ctx.identity.username, id: ctx.args.id }),
    update: {
      expression: 'SET #t = :t',
      expressionNames: { '#t': 'text' },
      expressionValues: util.dynamodb.toMapValues({ ':t': ctx.args.text }),
    },
    condition,
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result;
}
