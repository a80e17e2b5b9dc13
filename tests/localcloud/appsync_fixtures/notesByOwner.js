import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    operation: 'Query',
    query: {
      expression: '#owner = :owner',
      expressionNames: { '#owner': 'owner' },
      expressionValues: util.dynamodb.toMapValues({ ':owner': ctx.args.owner }),
    },
    limit: ctx.args.limit,
    nextToken: ctx.args.nextToken,
  };
}

export function response(ctx) {
  return { items: ctx.result.items, nextToken: ctx.result.nextToken };
}
