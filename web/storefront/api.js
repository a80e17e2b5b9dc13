// The shop's HTTP API (config.apiUrl): JSON in, JSON out; errors carry the API's message.
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function api(config, session) {
  const base = config.apiUrl.replace(/\/$/, "");
  async function call(method, path, body) {
    const headers = {};
    if (session) headers.Authorization = `Bearer ${session.accessToken}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed;
  }
  return {
    products: (category) =>
      call("GET", `/products?limit=100${category ? `&category=${encodeURIComponent(category)}` : ""}`),
    basket: () => call("GET", "/basket"),
    setQuantity: (productId, quantity) =>
      call("PUT", `/basket/items/${encodeURIComponent(productId)}`, { quantity }),
    remove: (productId) => call("DELETE", `/basket/items/${encodeURIComponent(productId)}`),
    checkout: (input) => call("POST", "/basket/checkout", input),
    orders: () => call("GET", "/orders?limit=20"),
    order: (orderId) => call("GET", `/orders/${encodeURIComponent(orderId)}`),
    cancel: (orderId) => call("DELETE", `/orders/${encodeURIComponent(orderId)}`),
  };
}

// The GraphQL API (config.graphqlUrl), for what only it serves: the reviews. AppSync takes
// the user pool token as it is (no "Bearer"); an error names the fields it refused.
export class GraphqlError extends Error {
  constructor(error) {
    const fields = error.errorInfo?.fields; // [{field, message}]
    super(fields?.length ? `${error.message} (${fields.map((f) => f.field).join(", ")})` : error.message);
    this.errorType = error.errorType;
  }
}

export function graphql(config, session) {
  return async function request(query, variables) {
    const response = await fetch(config.graphqlUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: session.accessToken },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors?.length) throw new GraphqlError(body.errors[0]);
    return body.data;
  };
}
