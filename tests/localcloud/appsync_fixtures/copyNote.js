import { util } from '@aws-appsync/utils';

// The copy exists only if the original does, and never overwrites a note.
export function request(ctx) {
  const owner = ctx.identity.username;
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table: 'notes',
        operation: 'ConditionCheck',
        key: util.dynamodb.toMapValues({ owner, id: ctx.args.id }),
        condition: { expression: 'attribute_exists(#id)', expressionNames: { '#id': 'id' } },
      },
      {
        table: 'notes',
        operation: 'PutItem',
        key: util.dynamodb.toMapValues({ owner, id: ctx.args.to }),
        attributeValues: util.dynamodb.toMapValues({ text: `copy of ${ctx.args.id}` }),
        condition: { expression: 'attribute_not_exists(#id)', expressionNames: { '#id': 'id' } },
      },
    ],
  };
}

export function response(ctx) {
  if (ctx.error) {
    const reasons = ctx.result.cancellationReasons.map((r) => r.type).join(',');
    util.error(ctx.error.message, ctx.error.type, null, { reasons });
  }
  return ctx.result.keys.map((key) => key.id);
}
