// The hks-backup policy pack: a thin CrossGuard entry over the pure rules in policy/rules.ts
// (compiled to dist/policy/rules.js and loaded by package name, like the dynamic providers).
"use strict";
const { PolicyPack } = require("@pulumi/policy");
const { RULES, withDefaults } = require("hks-backup/policy");

const policies = RULES.map((rule) => ({
  name: rule.name,
  description: rule.description,
  enforcementLevel: rule.enforcementLevel,
  configSchema: rule.configSchema,
  ...(rule.validateResource
    ? {
        validateResource: (args, reportViolation) => {
          const config = withDefaults(rule, args.getConfig());
          for (const message of rule.validateResource({ type: args.type, name: args.name, props: args.props }, config))
            reportViolation(message);
        },
      }
    : {
        validateStack: (args, reportViolation) => {
          const config = withDefaults(rule, args.getConfig());
          const resources = args.resources.map((r) => ({ type: r.type, name: r.name, props: r.props, urn: r.urn }));
          for (const v of rule.validateStack(resources, config)) reportViolation(v.message, v.resource.urn);
        },
      }),
}));

new PolicyPack("hks-backup", { policies });
