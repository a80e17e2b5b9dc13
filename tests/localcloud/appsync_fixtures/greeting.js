// The pipeline resolver: before, the functions (greet, then loadNote), after.
export function request(ctx) {
  ctx.stash.owner = ctx.identity.username;
  return {};
}

export function response(ctx) {
  return `${ctx.stash.greeting}, ${ctx.stash.owner}: ${ctx.prev.result.text}`;
}
