/* app.js - the vitrum page: search through the server's own OPTIMADE API, a sortable table, one
 * page per entry (Arrhenius plot, RDFs, features, downloads). Plain JS, no build step, no CDN.
 * Text from the database is always set with textContent; only the server's SVG plots are inserted
 * as markup. Routes: #/ (search, #/?q=Li%20Si keeps the query) and #/entry/<id>. */
"use strict";

const PAGE = 100;
const state = { rows: [], temps: [], next: null, sortKey: "formula", sortDir: 1, seq: 0 };

function $(id) { return document.getElementById(id); }

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function quote(s) { return '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"'; }

/* "Li Si" -> elements HAS ALL; "Li2Si2O5" -> chemical_formula_reduced (integers) or descriptive. */
function filterOf(q) {
  const words = q.split(/[\s,]+/).filter(Boolean);
  if (!words.length) return null;
  if (words.every(w => /^[A-Z][a-z]?$/.test(w))) return "elements HAS ALL " + words.map(quote).join(",");
  if (words.length === 1 && /^([A-Z][a-z]?(\d+(\.\d+)?)?)+$/.test(words[0])) {
    const amounts = {};
    let integral = true;
    for (const [, sym, n] of words[0].matchAll(/([A-Z][a-z]?)(\d+(?:\.\d+)?)?/g)) {
      const x = n ? Number(n) : 1;
      integral = integral && Number.isInteger(x);
      amounts[sym] = (amounts[sym] || 0) + x;
    }
    if (!integral) return "chemical_formula_descriptive=" + quote(words[0]);
    const gcd = (a, b) => (b ? gcd(b, a % b) : a);
    const g = Object.values(amounts).reduce(gcd);
    const reduced = Object.keys(amounts).sort().map(s => s + (amounts[s] / g === 1 ? "" : amounts[s] / g)).join("");
    return "chemical_formula_reduced=" + quote(reduced);
  }
  throw new Error("type element symbols (Li Si) or one formula (Li2Si2O5)");
}

async function getJSON(url) {
  const r = await fetch(url);
  const doc = await r.json();
  if (!r.ok) throw new Error(doc.errors && doc.errors[0] ? doc.errors[0].detail : r.statusText);
  return doc;
}

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

/* ---- search view ---- */
function liTemps(rows) {
  const ts = new Set();
  for (const r of rows)
    for (const k of Object.keys(r.attributes)) {
      const m = /^_vitrum_d_li_(\d+)k$/.exec(k);
      if (m) ts.add(Number(m[1]));
    }
  return [...ts].sort((a, b) => a - b);
}

function columns() {
  const cols = [{ key: "formula", label: "Formula", get: r => r.attributes.chemical_formula_descriptive }];
  for (const T of state.temps)
    cols.push({ key: "d" + T, label: "D(" + T + " K)", get: r => r.attributes["_vitrum_d_li_" + T + "k"], fmt: "e" });
  cols.push({ key: "ea", label: "Ea (eV)", get: r => r.attributes._vitrum_ea_ev, fmt: "f" });
  cols.push({ key: "atoms", label: "Atoms", get: r => r.attributes.nsites });
  return cols;
}

function fmt(v, kind) {
  if (v === undefined || v === null) return "";
  if (kind === "e") return v.toExponential(3);
  if (kind === "f") return v.toFixed(3);
  return String(v);
}

function render() {
  const cols = columns();
  const head = $("results").tHead.rows[0], body = $("results").tBodies[0];
  head.replaceChildren();
  for (const c of cols) {
    const th = el("th", c.label, { class: "sortable", "data-key": c.key });
    if (c.key === state.sortKey) th.setAttribute("aria-sort", state.sortDir > 0 ? "ascending" : "descending");
    th.addEventListener("click", () => {
      state.sortDir = state.sortKey === c.key ? -state.sortDir : 1;
      state.sortKey = c.key;
      render();
    });
    head.appendChild(th);
  }
  const col = cols.find(c => c.key === state.sortKey) || cols[0];
  const rows = [...state.rows].sort((a, b) => {
    const x = col.get(a), y = col.get(b);
    if (x === y) return 0;
    if (x === undefined || x === null) return 1; /* unknown last */
    if (y === undefined || y === null) return -1;
    return (x < y ? -1 : 1) * state.sortDir;
  });
  body.replaceChildren();
  for (const r of rows) {
    const tr = el("tr");
    cols.forEach((c, i) => {
      const td = el("td");
      if (i === 0) td.appendChild(el("a", c.get(r), { href: "#/entry/" + encodeURIComponent(r.id), class: "entry-link" }));
      else td.textContent = fmt(c.get(r), c.fmt);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  $("more").hidden = !state.next;
}

/* Load one page of results for query q; a response that arrives after a newer search started is
 * dropped. The table's data-query names the query it shows. */
async function load(url, append, q) {
  const seq = ++state.seq;
  setStatus("Searching...");
  try {
    const doc = await getJSON(url);
    if (seq !== state.seq) return;
    $("results").dataset.query = q;
    state.rows = append ? state.rows.concat(doc.data) : doc.data;
    state.temps = liTemps(state.rows);
    state.next = doc.links && doc.links.next ? doc.links.next : null;
    setStatus(doc.meta.data_returned + " entries" + (state.rows.length < doc.meta.data_returned ? ", " + state.rows.length + " shown" : ""));
    render();
  } catch (e) {
    if (seq !== state.seq) return;
    state.rows = [];
    render();
    setStatus(e.message, true);
  }
}

function search(q) {
  let f;
  try {
    f = filterOf(q);
  } catch (e) {
    setStatus(e.message, true);
    return;
  }
  load("/v1/structures?page_limit=" + PAGE + (f ? "&filter=" + encodeURIComponent(f) : ""), false, q);
}

/* ---- entry view ---- */
async function insertSVG(url, into) {
  const r = await fetch(url);
  if (!r.ok) return;
  const div = el("div", null, { class: "plot" });
  div.innerHTML = await r.text(); /* the server's own SVG chart */
  into.appendChild(div);
}

async function showEntry(id) {
  const q = encodeURIComponent(id), view = $("entry-view");
  $("entry-title").textContent = id;
  for (const x of ["entry-meta", "arrhenius", "rdfs", "downloads"]) $(x).replaceChildren();
  for (const t of ["entry-d", "features"]) { $(t).tHead.replaceChildren(); $(t).tBodies[0].replaceChildren(); }
  try {
    const main = (await getJSON("/v1/structures/" + q)).data;
    const extra = (await getJSON("/v1/structures/" + q + "?response_fields=_vitrum_features,_vitrum_rdf_t_k")).data;
    const a = main.attributes;
    $("entry-title").textContent = a.chemical_formula_descriptive + "  (" + a.chemical_formula_reduced + ")";
    $("entry-meta").textContent = "id " + main.id + " | elements " + a.elements.join(", ") + " | source " +
      a._vitrum_backend + (a.nsites ? " | " + a.nsites + " atoms" : "") + " | updated " + a.last_modified;
    const dt = $("entry-d");
    dt.tHead.appendChild(el("tr")).append(el("th", "Quantity"), el("th", "Value"));
    for (const k of Object.keys(a).sort()) {
      let m = /^_vitrum_d_([a-z]+)_(\d+)k$/.exec(k), label = null;
      if (m) label = "D " + m[1][0].toUpperCase() + m[1].slice(1) + " at " + m[2] + " K (cm2/s)";
      else if ((m = /^_vitrum_ea_(?:([a-z]+)_)?ev$/.exec(k))) label = "Ea " + (m[1] ? m[1][0].toUpperCase() + m[1].slice(1) : "Li") + " (eV)";
      if (label) dt.tBodies[0].appendChild(el("tr")).append(el("td", label), el("td", fmt(a[k], k.includes("_ea_") ? "f" : "e")));
    }
    await insertSVG("/plot/arrhenius.svg?id=" + q, $("arrhenius"));
    const ts = extra.attributes._vitrum_rdf_t_k || [];
    $("rdf-section").hidden = !ts.length;
    for (const T of ts) await insertSVG("/plot/rdf.svg?id=" + q + "&t_k=" + T, $("rdfs"));
    const feats = extra.attributes._vitrum_features || {}, temps = Object.keys(feats).sort((x, y) => x - y);
    $("feat-section").hidden = !temps.length;
    if (temps.length) {
      const ft = $("features"), names = Object.keys(feats[temps[0]]);
      ft.tHead.appendChild(el("tr")).append(el("th", "Feature"), ...temps.map(T => el("th", T + " K")));
      for (const n of names)
        ft.tBodies[0].appendChild(el("tr")).append(el("td", n), ...temps.map(T => el("td", fmt(feats[T][n], "f"))));
    }
    $("download-section").hidden = !a.nsites;
    for (const [f, label] of [["poscar", "POSCAR"], ["extxyz", "extxyz"], ["cif", "CIF"], ["json", "pymatgen JSON"]]) {
      $("downloads").append(el("a", label, { href: "/download?id=" + q + "&format=" + f, download: "" }), " ");
    }
  } catch (e) {
    $("entry-meta").textContent = e.message;
  }
  view.hidden = false;
}

/* ---- routing ---- */
function route() {
  const h = location.hash;
  const entry = /^#\/entry\/(.+)$/.exec(h);
  $("search-view").hidden = !!entry;
  $("entry-view").hidden = true;
  if (entry) return showEntry(decodeURIComponent(entry[1]));
  const m = /^#\/\?q=(.*)$/.exec(h);
  const q = m ? decodeURIComponent(m[1]) : $("q").value;
  $("q").value = q;
  if (!state.rows.length || m) search(q);
}

$("search").addEventListener("submit", ev => {
  ev.preventDefault();
  const target = "#/?q=" + encodeURIComponent($("q").value);
  if (location.hash === target) search($("q").value);
  else location.hash = target;
});
$("more").addEventListener("click", () => state.next && load(state.next, true, $("results").dataset.query));
window.addEventListener("hashchange", route);
route();
