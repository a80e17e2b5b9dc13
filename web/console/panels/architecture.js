// The architecture, drawn by the local cloud from the program's resources, with live counts.
"use strict";

Console.panel("architecture", async (section) => {
  const { el, api, every } = Console;
  section.append(
    el("h2", {}, "Architecture"),
    el("p", { class: "note" },
      "Drawn at start from what the program created in the emulator (functions, queues and " +
      "their DLQs, state machines, rules and their targets, tables, topics, the bus). Counts: " +
      "invocations (the local workers), messages visible · in flight (SQS), executions " +
      "running · failed (Step Functions), events per minute matched by each rule (the tap). " +
      "Dashed lines lead to dead-letter queues."),
  );
  const picture = el("div", { class: "scroll", id: "architecture-picture" });
  section.append(picture);
  const response = await fetch("/api/architecture/svg");
  picture.innerHTML = await response.text();  // our own server's SVG, built from escaped names
  every(2000, async () => {
    const counts = await api("/api/architecture/counts");
    for (const [key, { text, state }] of Object.entries(counts)) {
      const box = picture.querySelector(`g.box[data-key="${CSS.escape(key)}"]`);
      if (!box) continue;
      box.querySelector("text.count").textContent = text;
      box.classList.toggle("busy", state === "busy");
      box.classList.toggle("alert", state === "alert");
    }
  });
});
