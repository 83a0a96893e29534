// Renders /api/openapi.json as a browsable, try-it-out page. No dependencies, so
// the page works with no network access beyond this server.
"use strict";

// The page's words, in its language (see the zf-docs-texts meta tag).
const words = JSON.parse(document.querySelector('meta[name="zf-docs-texts"]')?.content || "{}");

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
};

let spec;
const resolve = (schema) => {
  if (schema && schema.$ref) return resolve(spec.components.schemas[schema.$ref.split("/").pop()]);
  return schema || {};
};

// A sample value for a schema: its example, or a value of the right shape.
const sample = (schema, depth = 0) => {
  schema = resolve(schema);
  if (schema.example !== undefined) return schema.example;
  if (depth > 5) return null;
  const types = [].concat(schema.type || "object").filter((t) => t !== "null");
  if (schema.oneOf) return sample(schema.oneOf[0], depth + 1);
  if (schema.enum) return schema.enum[0];
  switch (types[0]) {
    case "object": {
      const out = {};
      for (const [name, prop] of Object.entries(schema.properties || {})) out[name] = sample(prop, depth + 1);
      return out;
    }
    case "array": return [sample(schema.items, depth + 1)];
    case "integer": case "number": return 0;
    case "boolean": return false;
    default: return "string";
  }
};

const fieldsTable = (schema) => {
  schema = resolve(schema);
  const props = Object.entries(schema.properties || {});
  if (!props.length) return null;
  const required = new Set(schema.required || []);
  return el("table", {},
    el("tr", {}, el("th", {}, words.field), el("th", {}, words.type), el("th", {}, words.description)),
    props.map(([name, prop]) => {
      const p = resolve(prop);
      const type = [].concat(p.type || (prop.$ref ? prop.$ref.split("/").pop() : "")).join(" | ");
      return el("tr", {}, el("td", {}, el("code", {}, name), required.has(name) ? " *" : ""),
        el("td", {}, type + (p.enum ? ` (${p.enum.join(", ")})` : "")), el("td", {}, p.description || ""));
    }));
};

const operation = (path, method, op) => {
  const params = op.parameters || [];
  const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
  const inputs = {};
  const textarea = bodySchema ? el("textarea", { "aria-label": "Corpo JSON" }) : null;
  if (textarea) textarea.value = JSON.stringify(sample(bodySchema), null, 2);
  const output = el("pre", { "aria-live": "polite" }, "—");

  const send = async () => {
    let url = path;
    const query = new URLSearchParams();
    for (const p of params) {
      const value = inputs[p.name].value;
      if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(value));
      else if (value !== "") query.set(p.name, value);
    }
    if ([...query].length) url += `?${query}`;
    const headers = { Accept: "application/json" };
    const token = document.getElementById("token").value.trim();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (textarea) headers["Content-Type"] = "application/json";
    output.textContent = "…";
    try {
      const response = await fetch(url, { method: method.toUpperCase(), headers, body: textarea ? textarea.value : undefined });
      const text = await response.text();
      let pretty = text;
      try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON */ }
      output.textContent = `${response.status} ${response.statusText}\n\n${pretty}`;
    } catch (error) {
      output.textContent = String(error);
    }
  };

  const button = el("button", { type: "button" }, words.send);
  button.addEventListener("click", send);

  return el("details", {},
    el("summary", {}, el("span", { class: `method ${method}` }, method), el("code", {}, path), el("span", {}, op.summary || "")),
    el("div", { class: "body" },
      op.description ? el("p", {}, op.description) : null,
      params.length ? el("h4", {}, "Parâmetros") : null,
      params.length ? el("table", {},
        el("tr", {}, el("th", {}, words.name), el("th", {}, words.where), el("th", {}, words.description), el("th", {}, words.value)),
        params.map((p) => {
          inputs[p.name] = el("input", { "aria-label": p.name });
          return el("tr", {}, el("td", {}, el("code", {}, p.name), p.required ? " *" : ""), el("td", {}, p.in),
            el("td", {}, p.description || ""), el("td", { class: "try" }, inputs[p.name]));
        })) : null,
      bodySchema ? el("h4", {}, "Corpo (JSON)") : null,
      bodySchema ? fieldsTable(bodySchema) : null,
      textarea,
      el("h4", {}, words.responses),
      el("table", {}, Object.entries(op.responses || {}).map(([status, r]) =>
        el("tr", {}, el("td", {}, el("code", {}, status)), el("td", {}, r.description || "")))),
      el("p", {}, button),
      output));
};

const render = () => {
  document.getElementById("summary").textContent = `${spec.info.description} — ${words.version} ${spec.info.version}`;
  const byTag = new Map();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const tag = (op.tags || ["other"])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operation(path, method, op));
    }
  }
  const main = document.getElementById("operations");
  for (const [tag, ops] of byTag) main.append(el("h2", {}, tag), ...ops);
};

document.addEventListener("DOMContentLoaded", async () => {
  const token = document.getElementById("token");
  token.value = sessionStorage.getItem("zapfleet-token") || "";
  token.addEventListener("input", () => sessionStorage.setItem("zapfleet-token", token.value));
  try {
    spec = await (await fetch("/api/openapi.json")).json();
    render();
  } catch (error) {
    document.getElementById("summary").textContent = `${words.loadFailed}: ${error}`;
  }
});
