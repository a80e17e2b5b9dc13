import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return { payload: util.transform.toElasticsearchQueryDSL({ title: { eq: 'x' } }) };
}

export function response(ctx) {
  return ctx.result;
}
