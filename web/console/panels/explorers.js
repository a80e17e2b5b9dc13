// The API explorer (the API's own OpenAPI document) and a GraphQL explorer. Requests go
// through the console (same origin), to the local API's and AppSync's URLs only.
"use strict";

Console.panel("explorers", async (section) => {
  const { el, api } = Console;
  const config = await api("/api/explorers/config");
  const token = el("input", { type: "text", id: "explorer-token", placeholder: "paste an access token, or mint one", size: 60 });
  const who = el("select", {}, ...config.demoUsers.map((u) => el("option", { value: u }, u)));
  const mint = el("button", { class: "action", type: "button" }, "Mint a token");
  mint.addEventListener("click", async () => {
    token.value = (await api("/api/explorers/token", { method: "POST", body: { user: who.value } })).token;
  });

  const method = el("select", {}, ...["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => el("option", {}, m)));
  const path = el("input", { type: "text", value: "/products", size: 50 });
  const requestBody = el("textarea", { rows: 5, placeholder: "JSON body" });
  const httpAnswer = el("pre", {});
  const send = el("button", { class: "action", type: "button" }, "Send");
  send.addEventListener("click", async () => {
    const answer = await api("/api/explorers/http", { method: "POST",
      body: { method: method.value, path: path.value, body: requestBody.value, token: token.value } });
    httpAnswer.textContent = `${answer.status}\n${pretty(answer.body)}`;
  });

  const operations = el("tbody", {});
  const query = el("textarea", { rows: 8 });
  query.value = "query {\n  __typename\n}";
  const variables = el("textarea", { rows: 3, placeholder: "variables (JSON)" });
  const graphqlAnswer = el("pre", {});
  const run = el("button", { class: "action", type: "button" }, "Run");
  run.addEventListener("click", async () => {
    let vars = {};
    try { vars = variables.value.trim() ? JSON.parse(variables.value) : {}; } catch (error) {
      graphqlAnswer.textContent = `variables: ${error.message}`; return;
    }
    const answer = await api("/api/explorers/graphql", { method: "POST", body: { query: query.value, variables: vars, token: token.value } });
    graphqlAnswer.textContent = `${answer.status}\n${pretty(answer.body)}`;
  });

  section.append(
    el("h2", {}, "API and GraphQL explorers"),
    el("p", {}, "Token: ", token, " ", who, " ", mint),
    el("h3", {}, `HTTP API ${config.apiUrl}`),
    el("p", { class: "note" }, `Operations from the API's own OpenAPI document (${config.openapiUrl}); click one to fill the form.`),
    el("div", { class: "scroll" }, el("table", { id: "openapi-operations" },
      el("thead", {}, el("tr", {}, el("th", {}, "method"), el("th", {}, "path"), el("th", {}, "summary"), el("th", {}, "auth"))),
      operations)),
    el("p", {}, method, " ", path, " ", send),
    requestBody, httpAnswer,
    el("h3", {}, `GraphQL ${config.graphqlUrl || "(no GraphQL API)"}`),
    query, variables, run, graphqlAnswer,
  );

  const documentation = await api("/api/explorers/openapi");
  for (const [route, methods] of Object.entries(documentation.paths || {})) {
    for (const [verb, operation] of Object.entries(methods)) {
      if (!["get", "post", "put", "patch", "delete"].includes(verb)) continue;
      const secured = (operation.security || documentation.security || []).length > 0;
      const tr = el("tr", { class: "operation" }, el("td", {}, verb.toUpperCase()), el("td", { class: "mono" }, route),
        el("td", {}, operation.summary || operation.operationId || ""), el("td", {}, secured ? "token" : ""));
      tr.addEventListener("click", () => { method.value = verb.toUpperCase(); path.value = route; });
      operations.append(tr);
    }
  }

  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
  }
});
