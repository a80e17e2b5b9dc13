// Queues and dead-letter queues with their depths; a redrive per DLQ that holds messages.
"use strict";

Console.panel("queues", (section) => {
  const { el, api, every } = Console;
  const body = el("tbody", { id: "queues-rows" });
  const said = el("pre", { id: "queues-said", hidden: "" });
  section.append(
    el("h2", {}, "Queues and DLQs"),
    el("p", { class: "note" },
      "Depths from SQS GetQueueAttributes, every 2 s. Redrive uses the runbooks' code " +
      "(scripts/ops.py): a work queue's DLQ goes back to its queue (make redrive); an " +
      "EventBridge target's DLQ holds events, which are put on the bus again (make reput)."),
    el("table", { id: "queues-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "queue"), el("th", {}, "kind"),
        el("th", {}, "visible"), el("th", {}, "in flight"), el("th", {}, ""))),
      body),
    said,
  );

  async function redrive(queue, button) {
    button.disabled = true;
    try {
      const result = await api("/api/queues/redrive", { method: "POST", body: { queue: queue.key } });
      said.textContent = `${result.queue}: ${result.moved} moved (${result.action})\n${result.said.join("\n")}`;
    } catch (error) {
      said.textContent = String(error.message);
    }
    said.hidden = false;
    await refresh();
  }

  async function refresh() {
    const { queues } = await api("/api/queues/list");
    body.replaceChildren(...queues.map((q) => {
      const held = q.visible + q.inFlight;
      const label = q.action === "reput" ? "re-put on the bus" : "redrive";
      const button = q.dlq && q.action && held > 0
        ? el("button", { class: "action redrive", "data-queue": q.key }, label)
        : null;
      if (button) button.addEventListener("click", () => redrive(q, button));
      return el("tr", { "data-queue": q.label, class: q.dlq && held ? "status-alert" : "" },
        el("td", { class: "mono", title: q.name }, q.label),
        el("td", {}, q.dlq ? "DLQ" : "queue"),
        el("td", { class: "visible" }, q.visible),
        el("td", { class: "in-flight" }, q.inFlight),
        el("td", {}, button));
    }));
  }
  every(2000, refresh);
});
