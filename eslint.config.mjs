// ESLint 9 flat config: the recommended rules of ESLint and typescript-eslint, with Prettier owning
// layout (eslint-config-prettier turns the layout rules off). `npm run lint` runs it with Prettier's
// check; scripts/test.sh runs `npm run lint` before the tests.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // .hks/ holds a running local environment (`hks dev up`: its node unpacks whole images there).
  { ignores: ["dist/", "node_modules/", "coverage/", ".hks/", "bench/results/", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Prettier wraps code at 120; this catches what it cannot wrap (long strings and comments).
      "max-len": ["error", { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },
  {
    // CommonJS scripts; and the modules that load code at run time on purpose: the provider's lazy
    // handler table, the serialized dynamic providers (which must require "hks-backup/provider"), and
    // the test setup that links the package.
    files: ["**/*.js", "**/*.cjs", "provider/index.ts", "sdk/dynamic.ts", "test/support/global-setup.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests read deep into API objects whose shape the assertions themselves check.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      // A test's title is one sentence that reads in the report; it is not split to fit.
      "max-len": [
        "error",
        { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true, ignorePattern: '^\\s*(it|describe)(\\.\\w+)?\\("' },
      ],
    },
  },
);
