import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return { operation: 'Invoke', payload: { text: ctx.args.text, field: ctx.info.fieldName } };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result;
}
