#!/usr/bin/env node
// Generates docs/reference.md, the resources' reference (inputs with types, defaults and
// descriptions; outputs), from the JSDoc of sdk/*.ts, with the TypeScript compiler API. A unit test
// regenerates it and fails when the committed file differs, so the reference cannot drift.
//   node scripts/gen-reference.js           write docs/reference.md
"use strict";
const fs = require("fs");
const path = require("path");
const ts = require("typescript");

const ROOT = path.resolve(__dirname, "..");
const RESOURCES = [
  { file: "sdk/backup-storage-location.ts", cls: "BackupStorageLocation", args: "BackupStorageLocationArgs" },
  { file: "sdk/backup-plan.ts", cls: "BackupPlan", args: "BackupPlanArgs" },
  { file: "sdk/backup.ts", cls: "Backup", args: "BackupArgs" },
  { file: "sdk/restore.ts", cls: "Restore", args: "RestoreArgs" },
  { file: "sdk/restore-drill.ts", cls: "RestoreDrill", args: "RestoreDrillArgs" },
];

function jsdoc(node, sf) {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  let text = "";
  let def;
  for (const d of docs) {
    if (typeof d.comment === "string") text += d.comment;
    else if (d.comment) text += d.comment.map((c) => c.text ?? c.getText(sf)).join("");
    for (const tag of d.tags ?? []) {
      const c = typeof tag.comment === "string" ? tag.comment : (tag.comment ?? []).map((x) => x.text ?? "").join("");
      if (tag.tagName.text === "default") def = c.replace(/\s+/g, " ").trim(); // a tag may wrap over lines
    }
  }
  return { text: text.replace(/\s+/g, " ").trim(), def };
}

function typeText(node, sf) {
  if (!node.type) return "";
  // One spelling whatever the source's layout (a formatter may wrap a type over lines).
  const text = node.type
    .getText(sf)
    .replace(/\s+/g, " ")
    .replace(/<\s+/g, "<")
    .replace(/\s+>/g, ">")
    .replace(/;\s*}/g, " }");
  // The type as declared, `pulumi.Input<...>` included: it tells the reader an Output can be passed
  // (issue 15: the reference said `string` where the field takes `pulumi.Input<string>`).
  return text.replace(/^\|\s*/, "").trim();
}

/** The interface a field's type names, through `pulumi.Input<...>` and `[]`, for nested rows. */
function namedInterface(type) {
  const bare = type.replace(/^pulumi\.Input<(.*)>$/, "$1").replace(/^pulumi\.Input<(.*)>$/, "$1");
  const array = /\[\]$/.test(bare) || /^pulumi\.Input<.*>\[\]$/.test(type);
  return { name: bare.replace(/\[\]$/, "").replace(/^pulumi\.Input<(.*)>$/, "$1"), array };
}

/** Interfaces of a file by name, to expand nested Args types one level. */
function interfacesOf(sf) {
  const out = new Map();
  sf.forEachChild((n) => {
    if (ts.isInterfaceDeclaration(n)) out.set(n.name.text, n);
  });
  return out;
}

const esc = (s) => s.replace(/\|/g, "\\|");

function fieldRows(iface, sf, prefix, interfaces, depth) {
  const rows = [];
  for (const m of iface.members) {
    if (!ts.isPropertySignature(m) || !m.name) continue;
    const name = prefix + m.name.getText(sf);
    const { text, def } = jsdoc(m, sf);
    const type = typeText(m, sf);
    rows.push(
      `| \`${name}\`${m.questionToken ? "" : " (required)"} | \`${esc(type)}\` | ${esc(def ?? "")} | ${esc(text)} |`,
    );
    const named = namedInterface(type);
    const nested = interfaces.get(named.name);
    if (nested && depth < 2)
      rows.push(...fieldRows(nested, sf, `${name}${named.array ? "[]" : ""}.`, interfaces, depth + 1));
  }
  return rows;
}

function outputsOf(cls, sf) {
  const rows = [];
  for (const m of cls.members) {
    if (!ts.isPropertyDeclaration(m) || !m.modifiers?.some((x) => x.kind === ts.SyntaxKind.DeclareKeyword)) continue;
    const { text } = jsdoc(m, sf);
    rows.push(
      `| \`${m.name.getText(sf)}\` | \`${esc(typeText(m, sf).replace(/^pulumi\.Output<(.*)>$/, "$1"))}\` | ${esc(text)} |`,
    );
  }
  return rows;
}

/** The whole reference, as Markdown. */
function generateReference(root = ROOT) {
  const parts = [
    "# hks-backup resource reference",
    "",
    "Generated from the JSDoc of `sdk/` by `node scripts/gen-reference.js`; a unit test keeps it in step.",
    "",
  ];
  for (const r of RESOURCES) {
    const file = path.join(root, r.file);
    const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const interfaces = interfacesOf(sf);
    let cls;
    sf.forEachChild((n) => {
      if (ts.isClassDeclaration(n) && n.name?.text === r.cls) cls = n;
    });
    const args = interfaces.get(r.args);
    if (!cls || !args) throw new Error(`${r.file}: class ${r.cls} or interface ${r.args} not found`);
    parts.push(
      `## ${r.cls}`,
      "",
      jsdoc(cls, sf).text,
      "",
      `Type token: \`pulumi-nodejs:dynamic/hks:${r.cls}\``,
      "",
      "### Inputs",
      "",
      "| input | type | default | description |",
      "|---|---|---|---|",
      ...fieldRows(args, sf, "", interfaces, 0),
      "",
      "### Outputs",
      "",
      "| output | type | description |",
      "|---|---|---|",
      ...outputsOf(cls, sf),
      "",
    );
  }
  return parts.join("\n");
}

module.exports = { generateReference };

if (require.main === module) {
  const out = path.join(ROOT, "docs", "reference.md");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, generateReference());
  process.stderr.write(`wrote ${path.relative(ROOT, out)}\n`);
}
