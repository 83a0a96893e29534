// zapfleet pages: dialogs, toasts, the connect modal's countdown, and live
// updates from GET /api/events. No inline scripts (the CSP forbids them).
"use strict";

const csrf = () => document.querySelector('meta[name="zf-csrf"]')?.content || "";
const labels = () => JSON.parse(document.querySelector('meta[name="zf-status-labels"]')?.content || "{}");

// Every htmx request carries the CSRF token.
document.addEventListener("htmx:configRequest", (e) => { e.detail.headers["X-CSRF-Token"] = csrf(); });

function toast(message, kind = "success") {
  const box = document.getElementById("toasts");
  if (!box || !message) return;
  const item = document.createElement("div");
  item.className = `toast toast-${kind}`;
  item.setAttribute("data-testid", "toast");
  item.textContent = message;
  box.append(item);
  setTimeout(() => item.remove(), 6000);
}

// The new-instance modal opens clean: no values or errors left from last time.
function cleanForm(form) {
  form.querySelectorAll("input:not([type=hidden]), textarea").forEach((input) => {
    input.value = "";
    input.removeAttribute("aria-invalid");
  });
  form.querySelectorAll(".field-error").forEach((error) => error.remove());
}

function openDialog(id) {
  const dialog = document.getElementById(id);
  if (!dialog) return;
  if (id === "new-instance") dialog.querySelectorAll("form").forEach(cleanForm);
  if (!dialog.open) dialog.showModal(); // showModal keeps focus inside and Esc closes it
  focusIn(dialog);
}

// After a swap inside a modal, focus goes to the first invalid field, else to
// the new content's heading, else to its first field.
function focusIn(root) {
  const target = root.querySelector("[aria-invalid=true]")
    || root.querySelector("h2[tabindex='-1']")
    || root.querySelector("input:not([type=hidden]), button");
  target?.focus();
}
document.addEventListener("htmx:afterSettle", (e) => {
  const dialog = e.target.closest?.("dialog");
  if (dialog?.open) focusIn(dialog);
});

document.addEventListener("click", (e) => {
  const opener = e.target.closest("[data-open-dialog]");
  if (opener) { openDialog(opener.dataset.openDialog); return; }
  const closer = e.target.closest("[data-close-dialog]");
  if (closer) { closer.closest("dialog")?.close(); return; }
  const connect = e.target.closest("[data-connect]");
  if (connect) {
    htmx.ajax("POST", `/ui/instances/${connect.dataset.connect}/connect`, {
      target: "#connect-body", swap: "innerHTML", values: { _csrf: csrf(), method: "qr" },
    }).then(() => openDialog("connect-dialog"));
  }
  const all = e.target.closest("[data-select-all]");
  if (all) {
    allMatching = false;
    document.querySelectorAll('input[name="ids"]').forEach((box) => { box.checked = all.checked; remember(box); });
    updateBulk();
  }
  if (e.target.closest("[data-select-matching]")) {
    allMatching = true;
    document.querySelectorAll('input[name="ids"]').forEach((box) => { box.checked = true; remember(box); });
    updateBulk();
  }
  const off = e.target.closest("[data-row-disconnect]");
  if (off && window.confirm(off.dataset.confirmText)) {
    const page = document.getElementById("table-page")?.value || "1";
    const filters = Object.fromEntries(new FormData(document.getElementById("filters") || undefined));
    htmx.ajax("POST", "/ui/instances/bulk", {
      target: "#instance-table", swap: "outerHTML",
      values: { ...filters, page, _csrf: csrf(), action: "disconnect", ids: off.dataset.rowDisconnect },
    });
  }
});

// The bulk bar: how many are selected (this page's checked rows, or every
// matching instance), its buttons disabled while none is.
let allMatching = false;
function updateBulk() {
  const form = document.getElementById("bulk");
  if (!form) return;
  const total = Number(form.dataset.total || 0);
  const count = allMatching ? total : selected.size;
  const shown = form.querySelector("[data-selected-count]");
  if (shown) shown.textContent = String(count);
  form.querySelectorAll("button[name=action]").forEach((b) => { b.disabled = count === 0; });
  const field = form.querySelector("[data-all-matching]");
  if (field) field.value = allMatching ? "1" : "";
  const boxes = [...form.querySelectorAll('input[name="ids"]')];
  const pageAll = boxes.length > 0 && boxes.every((b) => b.checked);
  const header = form.querySelector("[data-select-all]");
  if (header) header.checked = pageAll;
  const matching = form.querySelector("[data-select-matching]");
  if (matching) matching.hidden = !pageAll || allMatching;
}

// Live refreshes of the instances table, one at a time: one asked for while
// another is in flight runs after it. (Left to htmx, a refresh queued on a table
// that another response then replaced was dropped, and a bulk response could
// land in the replaced table: after deleting rows the list kept showing them.)
let tableBusy = false;
let tableAgain = false;
// While a bulk action is in flight the table is not replaced: its form must
// stay in the page for the answer's toast to reach it (the table is read again
// after it).
let bulkBusy = false;
const isBulk = (e) => (e.detail.pathInfo?.requestPath || e.detail.path || "").startsWith("/ui/instances/bulk");
document.addEventListener("htmx:beforeRequest", (e) => { if (isBulk(e)) bulkBusy = true; });
document.addEventListener("htmx:beforeSwap", (e) => {
  if (bulkBusy && (e.detail.pathInfo?.requestPath || "").startsWith("/ui/instances/table")) {
    e.detail.shouldSwap = false;
  }
});
function refreshTable() {
  const table = document.getElementById("instance-table");
  if (!table || bulkBusy) return;
  if (tableBusy) { tableAgain = true; return; }
  tableBusy = true;
  htmx.ajax("GET", "/ui/instances/table", { source: table, target: "#instance-table", swap: "outerHTML" })
    .catch(() => {})
    .finally(() => {
      tableBusy = false;
      if (tableAgain) { tableAgain = false; refreshTable(); }
    });
}
// After a bulk action, the table is read again (its own response may have gone
// to a table a live refresh had just replaced).
document.addEventListener("htmx:afterRequest", (e) => {
  if (!isBulk(e)) return;
  bulkBusy = false;
  selected.clear();
  allMatching = false;
  refreshTable();
});

// Live refreshes re-render the instances table: the rows the visitor checked
// stay checked, until a bulk action has run on them.
const selected = new Set();
function remember(box) { if (box.checked) selected.add(box.value); else selected.delete(box.value); }
document.addEventListener("change", (e) => {
  if (!e.target.matches('input[name="ids"]')) return;
  if (!e.target.checked) allMatching = false;
  remember(e.target);
  updateBulk();
});
document.addEventListener("htmx:afterSettle", (e) => {
  document.querySelectorAll('#instance-table input[name="ids"]').forEach((box) => {
    if (allMatching) { box.checked = true; remember(box); } else box.checked = selected.has(box.value);
  });
  updateBulk();
  tidyTables(e.target);
});

// Phones show tables as stacked cards: each cell carries its column's name.
// Tables that still scroll sideways can be scrolled from the keyboard.
function tidyTables(root = document) {
  root.querySelectorAll?.("table").forEach((table) => {
    const names = [...table.querySelectorAll("thead th")].map((th) => (th.querySelector("input") ? "" : th.textContent.trim()));
    table.querySelectorAll("tbody tr").forEach((row) => {
      [...row.children].forEach((cell, i) => { if (names[i] && cell.tagName === "TD") cell.dataset.label = names[i]; });
    });
  });
  document.querySelectorAll(".table-wrap").forEach((wrap) => {
    if (wrap.scrollWidth > wrap.clientWidth + 1) {
      const title = wrap.closest("section")?.querySelector("h2")?.textContent || document.querySelector("h1")?.textContent || "";
      wrap.tabIndex = 0;
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", title.trim());
    } else if (wrap.getAttribute("role") === "region") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  });
}
window.addEventListener("resize", () => tidyTables());

document.addEventListener("submit", (e) => {
  const form = e.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) e.preventDefault();
});

// Server events sent through HX-Trigger headers.
document.body.addEventListener("instanceCreated", (e) => {
  document.getElementById("new-instance")?.close();
  toast(e.detail.message, e.detail.kind);
  refreshTable();
});
document.body.addEventListener("toast", (e) => toast(e.detail.message, e.detail.kind));
// A message went out: its toast, and the form is ready for the next one.
document.body.addEventListener("messageSent", (e) => {
  toast(e.detail.message, e.detail.kind);
  document.querySelector("[data-testid=send-form]")?.reset();
  showSendParts();
});
// Phones: the navigation opens and closes behind "Menu" (Escape closes it).
const menu = document.querySelector("[data-testid=menu-toggle]");
const setMenu = (open) => {
  document.getElementById("main-nav")?.classList.toggle("open", open);
  menu?.setAttribute("aria-expanded", String(open));
};
menu?.addEventListener("click", () => setMenu(menu.getAttribute("aria-expanded") !== "true"));
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && menu?.getAttribute("aria-expanded") === "true") { setMenu(false); menu.focus(); }
});
// The send form shows the text box for a text, the file, address and caption
// for media; the hidden part is disabled, so it is neither checked nor sent.
function showSendParts() {
  const kind = document.querySelector("[data-send-kind]");
  if (!kind) return;
  const media = kind.value !== "text";
  for (const part of document.querySelectorAll("[data-send-part]")) {
    const shown = (part.dataset.sendPart === "media") === media;
    part.hidden = !shown;
    part.disabled = !shown;
  }
}
document.addEventListener("change", (e) => { if (e.target.matches?.("[data-send-kind]")) showSendParts(); });
showSendParts();
// A failed request the server explained came with its own toast (HX-Trigger);
// any other failure still says something, in the page's language.
const texts = () => JSON.parse(document.querySelector('meta[name="zf-texts"]')?.content || "{}");
document.body.addEventListener("htmx:responseError", (e) => {
  if (!e.detail.xhr?.getResponseHeader("HX-Trigger")) toast(texts().requestFailed || "Erro", "error");
});
document.body.addEventListener("htmx:sendError", () => toast(texts().unreachable || "Erro", "error"));

// The browser's own form checks speak its language; ours speak the page's.
document.addEventListener("invalid", (e) => {
  const field = e.target;
  const t = texts();
  const v = field.validity;
  let text = "";
  if (v.valueMissing) text = t.required;
  else if (v.typeMismatch) text = field.type === "email" ? t.email : t.url;
  else if (v.rangeUnderflow || v.rangeOverflow) text = (t.range || "").replace("{min}", field.min).replace("{max}", field.max);
  else if (v.tooLong) text = t.tooLong;
  if (text) field.setCustomValidity(text);
}, true);
["input", "change"].forEach((kind) => document.addEventListener(kind, (e) => {
  if (e.target.setCustomValidity) e.target.setCustomValidity("");
}));

// A new account takes the browser's time zone (the server checks the name).
document.querySelectorAll("input[data-detect-time-zone]").forEach((input) => {
  try { input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch { /* old browser: the default zone */ }
});


// The connect modal: countdown, expiry, success state.
// Screen readers hear the modal's outcome: "✓ Conectado!" or "O QR expirou."
function announce(modal, text) {
  const region = modal.querySelector("[data-connect-announce]");
  if (region && text && region.textContent !== text) region.textContent = text;
}

function refreshModal() {
  const modal = document.querySelector("[data-connect-modal]");
  if (!modal) return;
  const status = modal.dataset.status;
  if (status === "connected") announce(modal, modal.querySelector("[data-when=connected] .big")?.textContent.trim());
  modal.querySelectorAll("[data-when]").forEach((el) => { el.hidden = el.dataset.when !== status; });
  modal.querySelectorAll("[data-when-not]").forEach((el) => { el.hidden = el.dataset.whenNot === status; });
  const countdown = modal.querySelector("[data-expires-at]");
  if (countdown && status === "connecting") {
    const left = Math.max(0, Math.round((new Date(countdown.dataset.expiresAt) - Date.now()) / 1000));
    const span = countdown.querySelector("[data-countdown]");
    if (span) span.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    countdown.hidden = left === 0;
    modal.querySelector("[data-expired]").hidden = left !== 0;
    if (left === 0) announce(modal, modal.querySelector("[data-expired]").textContent.trim());
    modal.querySelector("[data-qr]")?.classList.toggle("faded", left === 0);
  }
}
setInterval(refreshModal, 1000);
document.addEventListener("htmx:afterSwap", () => refreshModal());

// Live status: badges everywhere, the QR while it rotates, the modal's success.
function applyStatus(data) {
  const names = labels();
  document.querySelectorAll(`[data-status-for="${CSS.escape(data.id)}"]`).forEach((badge) => {
    badge.className = `badge badge-${data.status}`;
    badge.textContent = names[data.status] || data.status;
  });
  // Row actions and the instance page's buttons follow the status.
  document.querySelectorAll(`tr[data-instance="${CSS.escape(data.id)}"]`).forEach((row) => { row.dataset.status = data.status; });
  document.querySelectorAll(`[data-live-for="${CSS.escape(data.id)}"]`).forEach((box) => { box.dataset.liveStatus = data.status; });
  const modal = document.querySelector(`[data-connect-modal="${CSS.escape(data.id)}"]`);
  if (modal) {
    modal.dataset.status = data.status === "disconnected" && modal.dataset.status === "connecting" ? "connecting" : data.status;
    if (data.status === "disconnected") modal.querySelector("[data-expires-at]")?.setAttribute("data-expires-at", new Date().toISOString());
    refreshModal();
  }
}

function applyLogin(data) {
  const modal = document.querySelector(`[data-connect-modal="${CSS.escape(data.id)}"]`);
  if (!modal) return;
  const img = modal.querySelector("[data-qr]");
  if (img && data.qrcode) img.src = data.qrcode;
  const code = modal.querySelector("[data-paircode]");
  if (code && data.paircode) code.textContent = data.paircode;
  modal.querySelector("[data-expires-at]")?.setAttribute("data-expires-at", data.expiresAt);
  modal.dataset.status = "connecting";
  refreshModal();
}

function listen() {
  const source = new EventSource("/api/events");
  source.addEventListener("instance.status", (e) => {
    const data = JSON.parse(e.data);
    applyStatus(data);
    if (document.querySelector(`#history`) && location.pathname.endsWith(`/${data.id}`)) {
      refreshPart("#history");
      refreshPart("#stats-card");
    }
    // The list's "Última conexão" and usage follow too.
    refreshTable();
  });
  source.addEventListener("instance.qrcode", (e) => applyLogin(JSON.parse(e.data)));
  source.addEventListener("instance.paircode", (e) => applyLogin(JSON.parse(e.data)));
  source.addEventListener("instance.created", refreshTable);
  source.addEventListener("instance.deleted", refreshTable);
  source.addEventListener("instance.provisioning", refreshTable);
  const refreshMessages = () => {
    if (document.getElementById("messages-list")) htmx.trigger("#messages-list", "refresh");
    refreshPart("#stats-card");
    refreshPart("#overview-card");
  };
  source.addEventListener("message.status", refreshMessages);
  source.addEventListener("message.receipt", refreshMessages);
  source.addEventListener("message.received", refreshMessages);
  // EventSource reconnects by itself and sends Last-Event-ID.
}

// A form's outcome after its redirect (`?done=…`): a toast, and the address
// loses the marker so a reload does not say it again.
function flash() {
  const note = document.querySelector("template[data-flash]");
  if (!note) return;
  toast(note.dataset.flash, "success");
  const url = new URL(location.href);
  url.searchParams.delete("done");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
}

// Parts of the instance page and the list that follow live events: the page
// is read again and only these parts are swapped (one read at a time each).
const partBusy = new Map();
function refreshPart(selector) {
  if (!document.querySelector(selector)) return;
  const state = partBusy.get(selector);
  if (state) { state.again = true; return; }
  partBusy.set(selector, { again: false });
  htmx.ajax("GET", location.pathname + location.search, { target: selector, select: selector, swap: "outerHTML" })
    .catch(() => {})
    .finally(() => {
      const again = partBusy.get(selector)?.again;
      partBusy.delete(selector);
      if (again) refreshPart(selector);
    });
}

document.addEventListener("DOMContentLoaded", () => {
  // A form sent back for a mistake: focus on its first invalid field.
  document.querySelector("main [aria-invalid=true]")?.focus();
  flash();
  tidyTables();
  updateBulk();
  if (document.body.dataset.live) listen();
});
