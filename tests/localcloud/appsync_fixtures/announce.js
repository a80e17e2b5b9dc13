export function request(ctx) {
  return {
    operation: 'PutEvents',
    events: [{ source: 'notes.api', detailType: 'NoteAnnounced', detail: { text: ctx.args.text, by: ctx.identity.username } }],
  };
}

export function response(ctx) {
  return ctx.result;
}
