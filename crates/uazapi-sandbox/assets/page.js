// The sandbox page: asks for the admin token once per tab, then lists the
// instances every 3 s and scans a QR on request, sending the token in the
// `admintoken` header. Everything shown is set as text, never as HTML.
"use strict";

const KEY = "uazapi-sandbox-admintoken";
let timer = null;

function $(id) {
  return document.getElementById(id);
}

function problem(text) {
  $("problem").textContent = text;
  $("problem").hidden = !text;
}

function signedOut(message) {
  sessionStorage.removeItem(KEY);
  clearInterval(timer);
  timer = null;
  $("phone").hidden = true;
  $("token-form").hidden = false;
  problem(message || "");
}

async function control(method, path) {
  const response = await fetch(path, {
    method,
    headers: { admintoken: sessionStorage.getItem(KEY) || "" },
  });
  if (response.status === 401 || response.status === 403) {
    signedOut("Token recusado (token rejected).");
    throw new Error("token rejected");
  }
  return response;
}

function cell(text) {
  const td = document.createElement("td");
  if (text !== undefined) {
    td.textContent = text;
  }
  return td;
}

function phoneCell(instance) {
  const td = cell();
  if (instance.qrcode) {
    const img = document.createElement("img");
    img.src = instance.qrcode;
    img.alt = "QR";
    img.width = 160;
    img.height = 160;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Escanear (scan)";
    button.addEventListener("click", async () => {
      await control("POST", "/sandbox/instances/" + encodeURIComponent(instance.id) + "/scan");
      refresh();
    });
    td.append(img, document.createElement("br"), button);
  } else if (instance.paircode) {
    const code = document.createElement("code");
    code.textContent = instance.paircode;
    td.append("Código: ", code);
  }
  return td;
}

async function refresh() {
  try {
    const response = await control("GET", "/sandbox/instances");
    if (!response.ok) {
      problem("Erro " + response.status);
      return;
    }
    const rows = (await response.json()).map((instance) => {
      const tr = document.createElement("tr");
      tr.append(
        cell(instance.id),
        cell(instance.name),
        cell(instance.status),
        cell(instance.owner),
        phoneCell(instance),
      );
      return tr;
    });
    $("rows").replaceChildren(...rows);
    problem("");
  } catch (error) {
    if (sessionStorage.getItem(KEY)) {
      problem("Sem resposta do sandbox (no answer).");
    }
  }
}

function signedIn() {
  $("token-form").hidden = true;
  $("phone").hidden = false;
  refresh();
  if (timer === null) {
    timer = setInterval(refresh, 3000);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    signedIn();
  });
  $("forget").addEventListener("click", () => signedOut(""));
  if (sessionStorage.getItem(KEY)) {
    signedIn();
  } else {
    signedOut("");
  }
});
