// The console's page: one tab per panel (GET /api/panels); each panel's script
// (/static/panels/<name>.js) registers itself with Console.panel(name, draw).
"use strict";

const Console = (() => {
  const token = document.querySelector('meta[name="console-token"]').content;
  const drawers = {};
  const started = {};

  async function api(path, options = {}) {
    const init = { method: options.method || "GET", headers: {} };
    if (init.method === "POST") {
      init.headers["Content-Type"] = "application/json";
      init.headers["X-Console-Token"] = token;  // every POST: the token this page was served with
      init.body = JSON.stringify(options.body || {});
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let value;
    try { value = JSON.parse(text); } catch { value = text; }
    if (!response.ok) {
      throw new Error((value && value.message) || `${response.status} ${text}`);
    }
    return value;
  }

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) {
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    }
    return node;
  }

  function every(milliseconds, task) {
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      try { await task(); } catch (error) { console.warn(error); } finally { running = false; }
    };
    tick();
    return setInterval(tick, milliseconds);
  }

  function show(name) {
    for (const section of document.querySelectorAll("section.panel")) {
      section.hidden = section.dataset.panel !== name;
    }
    for (const tab of document.querySelectorAll("nav button")) {
      tab.setAttribute("aria-selected", String(tab.dataset.panel === name));
    }
    if (!started[name] && drawers[name]) {
      started[name] = true;
      drawers[name](document.querySelector(`section[data-panel="${name}"]`));
    }
    history.replaceState(null, "", `#${name}`);
  }

  function panel(name, draw) {
    drawers[name] = draw;
    const wanted = (location.hash || "").slice(1);
    const section = document.querySelector(`section[data-panel="${name}"]`);
    if (section && !section.hidden && !started[name]) show(name);
    else if (wanted === name) show(name);
  }

  async function start() {
    const panels = await api("/api/panels");
    const tabs = document.getElementById("tabs");
    const main = document.getElementById("panels");
    const wanted = (location.hash || "").slice(1);
    const first = panels.some((p) => p.name === wanted) ? wanted : panels[0].name;
    for (const { name, title } of panels) {
      tabs.append(el("button", { "data-panel": name, onclick: () => show(name) }, title));
      main.append(el("section", { class: "panel", "data-panel": name, id: `panel-${name}`, hidden: "" }));
      const script = el("script", { src: `/static/panels/${name}.js` });
      document.body.append(script);
    }
    const section = document.querySelector(`section[data-panel="${first}"]`);
    section.hidden = false;
    show(first);
  }

  document.addEventListener("DOMContentLoaded", start);
  return { api, el, every, panel, show };
})();
