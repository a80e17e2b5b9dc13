// Helpers the resolvers share. AppSync runs each resolver as one file, so
// `make generate` copies the helpers a resolver names on its `// uses:` line into its
// generated block (scripts/generate.py): declared here once.

// A DynamoDB projection of exactly these attributes.
function projection(fields) {
  const expressionNames = {};
  fields.forEach((name, index) => {
    expressionNames[`#f${index}`] = name;
  });
  return { expression: Object.keys(expressionNames).join(', '), expressionNames };
}

// The item's contract fields, nothing the table keeps for itself.
function pick(item, fields) {
  const picked = {};
  fields.forEach((name) => {
    if (Object.hasOwn(item, name)) {
      picked[name] = item[name];
    }
  });
  return picked;
}

// A data source's failure, in the shop's terms (its own errorType is DynamoDB's): a page
// token DynamoDB refused was not one this API issued; anything else is worth a retry.
function failOnError(ctx) {
  if (!ctx.error) {
    return;
  }
  if (ctx.args.nextToken) {
    util.error(
      'nextToken is not a token this API issued',
      'BadRequest',
      null,
      { fields: [{ field: 'nextToken', message: 'is not a token this API issued' }] },
    );
  }
  util.error('The data could not be read; retrying is safe', 'Unavailable');
}

// The page size a list field was asked for, as the HTTP API's `limit` allows it.
function pageSize(limit) {
  if (limit === undefined || limit === null) {
    return DEFAULT_PAGE_SIZE;
  }
  if (limit < 1 || limit > MAX_PAGE_SIZE) {
    util.error(
      `Invalid request: limit must be an integer from 1 to ${MAX_PAGE_SIZE}`,
      'Invalid',
      null,
      { fields: [{ field: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` }] },
    );
  }
  return limit;
}

// An id the shop could have issued; any other names nothing (as the HTTP API's paths).
function requireIssuedId(name, value) {
  if (!util.matches(ISSUED_ID, value)) {
    util.error(`No ${name} '${value.substring(0, 64)}' exists`, 'NotFound');
  }
}
