#!/usr/bin/env node
// Prints what `npm run demo` did, from the stack's outputs: short, with counts and sizes.
"use strict";
const { execFileSync } = require("child_process");
const out = JSON.parse(
  execFileSync("pulumi", ["stack", "output", "--json", "--non-interactive"], { encoding: "utf8" }),
);
const size = (n) =>
  n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
const lines = ["", "hks-backup demo: done", ""];
const l = out.location;
if (l) {
  const c = l.capabilities || {};
  lines.push(
    `  storage location  ${l.name}  ${l.url}  ${l.phase} (versioning ` +
      `${c.versioning}${c.encryption ? `, ${c.encryption.type}` : ""})`,
  );
}
if (out.planInfo)
  lines.push(
    `  backup plan       ${out.planInfo.name}  "${out.planInfo.schedule}"  installed as CronJob ` +
      `hks-system/${out.planInfo.cronJob}`,
  );
if (out.backupInfo)
  lines.push(
    `  backup            ${out.backupInfo.name}  ${out.backupInfo.phase}  ${out.backupInfo.items} objects, ` +
      `${size(out.backupInfo.bytes)}`,
  );
if (out.restoreInfo) {
  const c = out.restoreInfo.restored || {};
  const ns = (out.restoreInfo.namespaces || []).map((n) => n.name).join(", ");
  lines.push(
    `  restore           ${out.restoreInfo.name}  ${out.restoreInfo.phase}  ${c.restored} objects restored, ` +
      `${c.skipped} skipped${ns ? `, into new namespace ${ns}` : ""}`,
  );
}
lines.push(
  "",
  "  look at it:",
  '    eval "$(npx hks dev env)"',
  "    npx hks backup list",
  `    npx hks backup describe ${out.backupInfo ? out.backupInfo.name : "<name>"}`,
  "    pulumi stack output",
  "    npx hks dev down        (stop the local environment)",
  "",
);
process.stdout.write(lines.join("\n"));
