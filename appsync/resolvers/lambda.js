// Every field whose rule lives in a service: the service's own Lambda function (the one
// behind the HTTP API) runs it. The function answers {data} or {error: {type, message,
// fields}} (functions/shop_common/appsync.py); a refusal becomes AppSync's error shape,
// not a failed invocation.
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    operation: 'Invoke',
    payload: {
      arguments: ctx.args,
      identity: ctx.identity,
      source: ctx.source,
      info: { fieldName: ctx.info.fieldName, parentTypeName: ctx.info.parentTypeName },
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  const { error, data } = ctx.result;
  if (error) {
    util.error(error.message, error.type, null, error.fields ? { fields: error.fields } : null);
  }
  return data;
}
