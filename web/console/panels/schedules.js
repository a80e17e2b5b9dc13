// The program's EventBridge Scheduler schedules as the local scheduler fires them, each with
// its next fire time and a "fire now" (the same invocation the scheduler makes at its time).
"use strict";

Console.panel("schedules", (section) => {
  const { el, api, every } = Console;
  const body = el("tbody", { id: "schedules-rows" });
  const said = el("pre", { id: "schedules-said", hidden: "" });
  section.append(
    el("h2", {}, "Schedules"),
    el("p", { class: "note" },
      "moto stores schedules and fires none: the local scheduler fires each on time in its " +
      "time zone. Fire now starts the target as the scheduler would (its retry policy, then " +
      "its DLQ); from a shell: python -m localcloud schedule fire <name>."),
    el("table", { id: "schedules-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "schedule"), el("th", {}, "expression"),
        el("th", {}, "time zone"), el("th", {}, "target"), el("th", {}, "next fire"),
        el("th", {}, "last started"), el("th", {}, ""))),
      body),
    said,
  );

  async function fire(schedule, button) {
    button.disabled = true;
    try {
      const result = await api("/api/schedules/fire", { method: "POST", body: { schedule: schedule.name } });
      said.textContent = `${result.schedule} fired: ${result.execution}`;
    } catch (error) {
      said.textContent = String(error.message);
    }
    said.hidden = false;
    await refresh();
  }

  async function refresh() {
    const { schedules } = await api("/api/schedules/list");
    body.replaceChildren(...schedules.map((s) => {
      const button = s.enabled && s.supported
        ? el("button", { class: "action fire", "data-schedule": s.name }, "fire now") : null;
      if (button) button.addEventListener("click", () => fire(s, button));
      return el("tr", { "data-schedule": s.name },
        el("td", { class: "mono" }, s.name),
        el("td", { class: "mono" }, s.expression),
        el("td", {}, s.timezone),
        el("td", { class: "mono" }, s.target),
        el("td", { class: "next" }, s.enabled ? (s.next || "never again") : "disabled"),
        el("td", { class: "mono last" }, s.lastExecution ? s.lastExecution.split(":").pop() : "-"),
        el("td", {}, button));
    }));
  }
  every(5000, refresh);
});
