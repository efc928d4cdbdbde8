// modelreg's page script: small and optional. Without it every page still browses, filters, sorts,
// compares and prices (plain GET forms and links); with it, filters apply as you type, a selection
// survives paging, ids copy with a click, and editors change records through the REST API.
"use strict";

const KEY = "modelreg.key";
const PICKED = "modelreg.picked";
const session = {
  get(name) { try { return sessionStorage.getItem(name); } catch (e) { return null; } },
  set(name, value) { try { sessionStorage.setItem(name, value); } catch (e) { /* private mode */ } },
  drop(name) { try { sessionStorage.removeItem(name); } catch (e) { /* private mode */ } },
};

// -- the editor key: typed once per tab, sent as a Bearer token ---------------------------------------

function showKey() {
  const state = document.getElementById("key-state");
  if (state) state.textContent = session.get(KEY) ? "(set)" : "(none)";
}

function setUpKey() {
  const form = document.getElementById("key-form");
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("key-input");
    if (input.value.trim()) session.set(KEY, input.value.trim());
    input.value = "";
    showKey();
  });
  document.getElementById("key-forget").addEventListener("click", () => { session.drop(KEY); showKey(); });
  showKey();
}

// -- live forms: a filter change fetches the same page and swaps its results in ------------------------

let generation = 0;

function queryOf(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === "string" && value.trim() !== "") params.append(name, value.trim());
  }
  const text = params.toString();
  return new URL(form.getAttribute("action") || location.pathname, location.href).pathname + (text ? "?" + text : "");
}

async function swap(url, targetId, push) {
  const mine = ++generation;
  const target = document.getElementById(targetId);
  if (target) target.setAttribute("aria-busy", "true");
  let html;
  try {
    const answer = await fetch(url, { headers: { Accept: "text/html" } });
    html = await answer.text();
  } catch (e) {
    location.href = url; // the network failed: let the browser show it
    return;
  }
  if (mine !== generation) return; // a newer request is under way: its answer wins
  const fresh = new DOMParser().parseFromString(html, "text/html").getElementById(targetId);
  const current = document.getElementById(targetId);
  if (!fresh || !current) { location.href = url; return; }
  current.replaceWith(document.importNode(fresh, true));
  if (push) history.pushState({ live: targetId }, "", url); else history.replaceState({ live: targetId }, "", url);
  afterSwap();
}

function setUpLiveForms() {
  const more = document.getElementById("more-filters"); // open on a wide screen; a phone shows the table sooner
  if (more && matchMedia("(min-width: 901px)").matches) more.open = true;
  for (const form of document.querySelectorAll("form[data-live]")) {
    const targetId = form.dataset.live;
    let timer = 0;
    const changed = (event) => {
      if (event.target.hasAttribute("data-no-live")) return;
      clearTimeout(timer);
      timer = setTimeout(() => swap(queryOf(form), targetId, false), event.type === "change" ? 0 : 250);
    };
    form.addEventListener("input", (event) => { if (event.target.type === "search" || event.target.type === "number") changed(event); });
    form.addEventListener("change", changed);
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-live-link]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    const form = document.querySelector("form[data-live]");
    if (!form) return;
    event.preventDefault();
    const sort = new URL(link.href).searchParams.get("sort");
    let hidden = form.querySelector("input[name=sort]");
    if (sort && !hidden) {
      hidden = Object.assign(document.createElement("input"), { type: "hidden", name: "sort" });
      form.append(hidden);
    }
    if (hidden) hidden.value = sort || "";
    swap(link.href, form.dataset.live, true);
  });
  window.addEventListener("popstate", () => { location.reload(); });
}

// -- picking models to compare or price: kept across pages in this tab ---------------------------------

function picked() {
  try { return JSON.parse(session.get(PICKED) || "[]"); } catch (e) { return []; }
}

function showPicked() {
  const ids = picked();
  for (const box of document.querySelectorAll("input[form=pick][name=ids]")) box.checked = ids.includes(box.value);
  const out = document.getElementById("picked");
  if (!out) return;
  out.textContent = ids.length ? `${ids.length} selected: ${ids.join(", ")}` : "";
  if (ids.length) {
    const clear = Object.assign(document.createElement("button"), { type: "button", textContent: "Clear selection" });
    clear.addEventListener("click", () => { session.drop(PICKED); showPicked(); });
    out.append(" ", clear);
  }
}

function setUpPicking() {
  document.addEventListener("change", (event) => {
    const box = event.target;
    if (!box.matches("input[form=pick][name=ids]")) return;
    const ids = picked().filter((id) => id !== box.value);
    if (box.checked) ids.push(box.value);
    session.set(PICKED, JSON.stringify(ids));
    showPicked();
  });
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.id !== "pick") return;
    const here = new Set([...document.querySelectorAll("input[form=pick][name=ids]:checked")].map((b) => b.value));
    for (const id of picked()) {
      if (!here.has(id)) form.append(Object.assign(document.createElement("input"), { type: "hidden", name: "ids", value: id }));
    }
  });
  showPicked();
}

// -- copy buttons ---------------------------------------------------------------------------------------

function setUpCopy() {
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copy);
    if (!source) return;
    const text = source.textContent.trim();
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const range = document.createRange();
      range.selectNodeContents(source);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      document.execCommand("copy");
    }
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
}

// -- writes through the REST API, with the editor key ---------------------------------------------------

function problemText(body, status) {
  if (!body || typeof body !== "object") return `HTTP ${status}`;
  const fields = (body.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
  return [body.title, body.detail, fields].filter(Boolean).join(": ");
}

function setUpApiForms() {
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.classList.contains("api-form")) return;
    event.preventDefault();
    const out = form.querySelector("output.result");
    const say = (text, ok) => { if (out) { out.textContent = text; out.className = "result " + (ok ? "ok" : "err"); } };
    const key = session.get(KEY);
    if (!key) {
      say("Set your editor key first (Editor key, at the top of the page).", false);
      const panel = document.getElementById("key-panel");
      if (panel) { panel.open = true; document.getElementById("key-input").focus(); }
      return;
    }
    const body = {};
    for (const [name, value] of new FormData(form)) if (String(value).trim() !== "") body[name] = String(value).trim();
    const headers = { Authorization: `Bearer ${key}`, Accept: "application/json" };
    if (form.dataset.etag) headers["If-Match"] = `"${form.dataset.etag}"`;
    const init = { method: form.dataset.method || "POST", headers };
    if (Object.keys(body).length) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    say("Saving…", true);
    try {
      const answer = await fetch(form.dataset.url, init);
      if (answer.ok) {
        say("Saved. Reloading…", true);
        setTimeout(() => location.reload(), 300);
        return;
      }
      let problem = null;
      try { problem = await answer.json(); } catch (e) { /* not JSON */ }
      say(answer.status === 412 ? "Changed by someone else since this page loaded: reload and try again." : problemText(problem, answer.status), false);
    } catch (e) {
      say(`The request failed: ${e}`, false);
    }
    for (const button of form.querySelectorAll("button")) button.disabled = false;
  });
}

function afterSwap() {
  showPicked();
  document.documentElement.dataset.swapped = String(performance.now());
}

setUpKey();
setUpLiveForms();
setUpPicking();
setUpCopy();
setUpApiForms();
