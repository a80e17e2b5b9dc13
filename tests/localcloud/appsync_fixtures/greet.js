export function request(ctx) {
  return { payload: 'Hello' };
}

export function response(ctx) {
  ctx.stash.greeting = ctx.result;
  return ctx.result;
}
