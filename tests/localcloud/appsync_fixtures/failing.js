import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return { payload: null };
}

export function response(ctx) {
  util.appendError('noted first', 'Custom:Note');
  util.error('Refused here', 'Custom:Refused', { id: 'n-1', text: 'not selected' }, { hint: 'x' });
  return null;
}
