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

// A refusal of bad input: every problem, each naming its field (as the HTTP API's 422).
function refuseInput(problems) {
  if (problems.length > 0) {
    util.error(
      `Invalid request: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      'Invalid',
      null,
      { fields: problems },
    );
  }
}

// Characters (code points), as JSON Schema's maxLength counts them.
function characters(text) {
  let count = 0;
  for (const character of text) {
    count += character === '' ? 0 : 1;
  }
  return count;
}

// The size of the text in UTF-8, as Comprehend counts it (a lone surrogate as 3 bytes).
function utf8Bytes(text) {
  let bytes = 0;
  for (const character of text) {
    const code = character.charCodeAt(0);
    if (character.length === 2) {
      bytes += 4;
    } else if (code < 0x80) {
      bytes += 1;
    } else if (code < 0x800) {
      bytes += 2;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

// False for text holding a lone UTF-16 surrogate (JSON's \ud800 escapes allow one): it has
// no UTF-8 form, so DynamoDB cannot store it (the HTTP API's validation.is_unicode).
function isUnicode(text) {
  for (const character of text) {
    const code = character.charCodeAt(0);
    if (character.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      return false;
    }
  }
  return true;
}

// A text field's problems: not Unicode text, blank, or longer than its limit (in
// characters, or in bytes of UTF-8 as Comprehend counts its text).
function textProblems(field, text, limit, unit) {
  if (!isUnicode(text)) {
    return [{ field, message: 'is not valid Unicode text' }];
  }
  if (text.trim() === '') {
    return [{ field, message: 'must not be blank' }];
  }
  const length = unit === 'characters' ? characters(text) : utf8Bytes(text);
  if (length > limit) {
    return [{ field, message: `must be at most ${limit} ${unit}` }];
  }
  return [];
}

// An item's key in the reviews table: its partition, and its kind (review_items.py).
function reviewsKey(partition, kind) {
  const key = {};
  key[PARTITION_KEY] = partition;
  key[SORT_KEY] = kind;
  return util.dynamodb.toMapValues(key);
}

// A review as anyone signed in reads it: its contract's fields, hidden or not.
function publicReview(item) {
  const review = pick(item, REVIEW_FIELDS);
  review.hidden = Object.hasOwn(item, 'hiddenAt');
  return review;
}

// Did this item of a cancelled transaction fail its condition?
function conditionFailed(ctx, index) {
  const reasons = (ctx.result && ctx.result.cancellationReasons) || [];
  return reasons.length > index && reasons[index].type === 'ConditionalCheckFailed';
}

// An event, as an item of the reviews outbox, to write in the transaction of the change it
// tells of: the outbox's pipe puts it on the bus (components/outbox.py, shop_common/outbox.py).
function outboxItem(detailType, data, correlationId) {
  const eventId = util.autoId();
  const item = {};
  item[OUTBOX_DETAIL_TYPE] = detailType;
  item[OUTBOX_DETAIL] = JSON.stringify({
    metadata: { eventId, correlationId, version: SCHEMA_VERSION },
    data,
  });
  item.createdAt = util.time.nowISO8601();
  item[OUTBOX_EXPIRES_AT] = util.time.nowEpochSeconds() + OUTBOX_RETENTION_SECONDS;
  const key = {};
  key[OUTBOX_KEY] = eventId;
  return {
    table: REVIEWS_OUTBOX_TABLE,
    operation: 'PutItem',
    key: util.dynamodb.toMapValues(key),
    attributeValues: util.dynamodb.toMapValues(item),
  };
}
