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

function openDialog(id) {
  const dialog = document.getElementById(id);
  if (!dialog) return;
  if (!dialog.open) dialog.showModal(); // showModal keeps focus inside and Esc closes it
  dialog.querySelector("input:not([type=hidden]), button")?.focus();
}

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
  if (all) document.querySelectorAll('input[name="ids"]').forEach((box) => { box.checked = all.checked; remember(box); });
});

// Live refreshes of the instances table, one at a time: one asked for while
// another is in flight runs after it. (Left to htmx, a refresh queued on a table
// that another response then replaced was dropped, and a bulk response could
// land in the replaced table: after deleting rows the list kept showing them.)
let tableBusy = false;
let tableAgain = false;
function refreshTable() {
  const table = document.getElementById("instance-table");
  if (!table) return;
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
  if (!(e.detail.pathInfo?.requestPath || "").startsWith("/ui/instances/bulk")) return;
  selected.clear();
  refreshTable();
});

// Live refreshes re-render the instances table: the rows the visitor checked
// stay checked, until a bulk action has run on them.
const selected = new Set();
function remember(box) { if (box.checked) selected.add(box.value); else selected.delete(box.value); }
document.addEventListener("change", (e) => { if (e.target.matches('input[name="ids"]')) remember(e.target); });
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll('#instance-table input[name="ids"]').forEach((box) => { box.checked = selected.has(box.value); });
});

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
function refreshModal() {
  const modal = document.querySelector("[data-connect-modal]");
  if (!modal) return;
  const status = modal.dataset.status;
  modal.querySelectorAll("[data-when]").forEach((el) => { el.hidden = el.dataset.when !== status; });
  modal.querySelectorAll("[data-when-not]").forEach((el) => { el.hidden = el.dataset.whenNot === status; });
  const countdown = modal.querySelector("[data-expires-at]");
  if (countdown && status === "connecting") {
    const left = Math.max(0, Math.round((new Date(countdown.dataset.expiresAt) - Date.now()) / 1000));
    const span = countdown.querySelector("[data-countdown]");
    if (span) span.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    countdown.hidden = left === 0;
    modal.querySelector("[data-expired]").hidden = left !== 0;
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
  source.addEventListener("instance.status", (e) => applyStatus(JSON.parse(e.data)));
  source.addEventListener("instance.qrcode", (e) => applyLogin(JSON.parse(e.data)));
  source.addEventListener("instance.paircode", (e) => applyLogin(JSON.parse(e.data)));
  source.addEventListener("instance.created", refreshTable);
  source.addEventListener("instance.deleted", refreshTable);
  source.addEventListener("instance.provisioning", refreshTable);
  const refreshMessages = () => { if (document.getElementById("messages-list")) htmx.trigger("#messages-list", "refresh"); };
  source.addEventListener("message.status", refreshMessages);
  source.addEventListener("message.receipt", refreshMessages);
  source.addEventListener("message.received", refreshMessages);
  // EventSource reconnects by itself and sends Last-Event-ID.
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.live) listen();
});
