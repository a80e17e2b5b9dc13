// An order's story: the order, its audit timeline, its events on the bus, its workflow
// executions with the states they walked, and its notifications.
"use strict";

Console.panel("orders", (section) => {
  const { el, api } = Console;
  const input = el("input", { type: "text", id: "order-id", placeholder: "order id", size: 40 });
  const out = el("div", { id: "order-story" });
  const show = async () => {
    out.replaceChildren(el("p", {}, "…"));
    try {
      out.replaceChildren(...render(await api(`/api/orders/story?orderId=${encodeURIComponent(input.value.trim())}`)));
    } catch (error) {
      out.replaceChildren(el("p", { class: "status-alert" }, String(error.message)));
    }
  };
  section.append(
    el("h2", {}, "An order's story"),
    el("p", { class: "note" },
      "Read from the emulator directly: the order (orders table), its timeline (the audit " +
      "table, as `make story` reads it), its events as the tap saw them, its executions " +
      "(DescribeExecution, GetExecutionHistory) and its notifications (.localcloud/outbox.jsonl)."),
    el("form", { onsubmit: (e) => { e.preventDefault(); show(); } },
      input, " ", el("button", { class: "action", type: "submit", id: "order-show" }, "Show")),
    out,
  );

  function table(headers, rows, id) {
    return el("table", { id },
      el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))));
  }

  function render(story) {
    const order = story.order;
    return [
      el("h3", {}, "Order"),
      order
        ? el("p", { id: "order-status" }, `status ${order.status} · total ${order.totalPrice} ${order.currency || ""} · created ${order.createdAt}`)
        : el("p", { class: "status-alert" }, "no such order in the orders table"),
      el("h3", {}, "Timeline (audit)"),
      table(["time", "detail-type", "event id"],
        story.audit.map((e) => [e.time, e.detailType, e.eventId]), "order-audit"),
      el("h3", {}, "Events on the bus (tap)"),
      table(["#", "detail-type", "matched rules"],
        story.events.map((e) => [e.seq, e.detailType, e.matched.map((m) => m.rule).join(", ")]), "order-events"),
      el("h3", {}, "Workflow executions"),
      ...story.executions.map((x) => el("div", { class: "execution" },
        el("p", {}, el("strong", {}, x.name), ` ${x.status} (started ${x.startDate})`),
        table(["state", "entered", "outcome"], x.states.map((s) => [s.state, s.entered, s.outcome])))),
      story.executions.length ? null : el("p", { class: "note" }, "none"),
      el("h3", {}, "Notifications"),
      table(["kind", "to / topic", "subject", "received"],
        story.notifications.map((n) => [n.kind, n.kind === "email" ? (n.to || []).join(", ") : n.topicArn, n.subject || "", n.receivedAt]),
        "order-notifications"),
    ].filter((part) => part !== null); // replaceChildren would write a null out as text
  }
});
