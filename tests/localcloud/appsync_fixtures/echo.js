export function request(ctx) {
  return { payload: { text: ctx.args.text, who: ctx.identity.userArn ?? ctx.identity.username } };
}

export function response(ctx) {
  return `${ctx.result.text} (${ctx.result.who})`;
}
