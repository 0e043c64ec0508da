#!/usr/bin/env node
// Prints what `npm run demo` did, from the stack's outputs: short, with counts and sizes.
"use strict";
const { execFileSync } = require("child_process");
const out = JSON.parse(execFileSync("pulumi", ["stack", "output", "--json", "--non-interactive"], { encoding: "utf8" }));
const size = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const lines = ["", "hks-backup demo: done", ""];
if (out.location) {
  const c = out.location.capabilities || {};
  lines.push(`  storage location  ${out.location.name}  ${out.location.url}  ${out.location.phase}` +
    `  (versioning ${c.versioning}${c.encryption ? `, ${c.encryption.type}` : ""}${c.clientSideEncryption ? ", age-encrypted" : ""})`);
}
if (out.plan) lines.push(`  backup plan       ${out.plan.name}  "${out.plan.schedule}"  CronJob ${out.plan.cronJob}`);
if (out.backup) lines.push(`  backup            ${out.backup.name}  ${out.backup.phase}  ${out.backup.items} objects, ${size(out.backup.bytes)}`);
if (out.restore) lines.push(`  restore           ${out.restore.name}  ${out.restore.phase}  ${out.restore.restored} restored into ${(out.restore.namespaces || []).join(", ")}`);
lines.push("", "  look at it:", '    eval "$(npx hks dev env)"', "    npx hks backup list", "    kubectl get all -A   (if you have kubectl)", "    npx hks dev down     (stop the local environment)", "");
process.stdout.write(lines.join("\n"));
