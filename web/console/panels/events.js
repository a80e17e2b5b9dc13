// The event stream, live: "matched" (moto's pattern matcher) and "observed" (a delivery the
// local cloud saw) are separate columns, never one for the other.
"use strict";

Console.panel("events", (section) => {
  const { el, api, every } = Console;
  const filter = el("input", { type: "text", id: "events-filter", placeholder: "correlation id (order id)", size: 40 });
  const body = el("tbody", { id: "events-rows" });
  section.append(
    el("h2", {}, "Event stream"),
    el("p", { class: "note" },
      "Every event on the bus, as a hidden tap rule receives it. Matched: the rules whose " +
      "pattern matches the event, by the emulator's own matcher (moto's EventPattern). " +
      "Observed, per target: ✓ the local cloud saw it arrive (a poller received it from the " +
      "queue, or the relay delivered it); … not seen (yet); n/a the target gets a transformed " +
      "input, which cannot be told apart by event id."),
    el("p", {}, "Filter: ", filter),
    el("table", { id: "events-table" },
      el("thead", {}, el("tr", {},
        el("th", {}, "#"), el("th", {}, "time"), el("th", {}, "source"),
        el("th", {}, "detail-type"), el("th", {}, "correlation id"),
        el("th", {}, "matched rules"), el("th", {}, "observed deliveries"))),
      body),
  );
  const rows = new Map();
  let names = {};
  let last = 0;

  function observed(target) {
    const name = names[target.arn] || target.arn;
    if (target.observed === true) return el("div", { class: "observed-yes", "data-observed": "yes" }, `✓ ${name}`);
    if (target.observed === false) return el("div", { class: "observed-no", "data-observed": "no" }, `… ${name}`);
    return el("div", { class: "observed-na", "data-observed": "n/a" }, `n/a ${name}`);
  }

  function row(event) {
    return el("tr", { "data-seq": event.seq, "data-detail-type": event.detailType, "data-correlation-id": event.correlationId || "" },
      el("td", {}, event.seq),
      el("td", { class: "mono" }, event.time),
      el("td", {}, event.source),
      el("td", { class: "detail-type" }, event.detailType),
      el("td", { class: "mono" }, event.correlationId || ""),
      el("td", { class: "matched-rules" }, ...event.matched.map((m) => el("span", { class: "matched" }, m.rule))),
      el("td", { class: "observed" }, ...event.matched.flatMap((m) => m.targets.map(observed))),
    );
  }

  function visible(event) {
    const wanted = filter.value.trim();
    return !wanted || event.correlationId === wanted;
  }

  filter.addEventListener("input", () => {
    for (const tr of rows.values()) tr.hidden = !!filter.value.trim() && tr.dataset.correlationId !== filter.value.trim();
  });

  every(1000, async () => {
    // The newest events again too: their deliveries may have been observed since.
    const { events, targets } = await api(`/api/events/list?since=${Math.max(0, last - 200)}`);
    names = targets;
    for (const event of events) {
      const fresh = row(event);
      fresh.hidden = !visible(event);
      const old = rows.get(event.seq);
      if (old) old.replaceWith(fresh); else body.append(fresh);
      rows.set(event.seq, fresh);
      last = Math.max(last, event.seq);
    }
  });
});
