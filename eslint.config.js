// ESLint for the static site (frontend/): ES modules in the browser, no build step.
// Beyond the recommended rules it holds the site's own rules: no markup from
// strings (innerHTML and friends), no code from strings (eval), and no words in
// page code, which belong in the message catalogues (js/i18n/<locale>.js).

import js from "@eslint/js";
import globals from "globals";

const NO_MARKUP = [
  { selector: "AssignmentExpression[left.property.name=/^(innerHTML|outerHTML)$/]", message: "Build DOM with dom.js (el/svg); never assign markup." },
  { selector: "CallExpression[callee.property.name=/^(insertAdjacentHTML|write|writeln|createContextualFragment)$/]", message: "Build DOM with dom.js (el/svg); never parse markup." },
  { selector: "CallExpression[callee.property.name='setAttribute'][arguments.0.value=/^(style|on)/]", message: "No inline styles or handlers (the CSP forbids them)." },
];

// Sentences in page code: a capitalised word followed by a space or punctuation, or any Hangul.
const NO_WORDS = [
  { selector: "Literal[value=/^[A-Z][a-z]+[ ,.…!?:]/]", message: "Put user-visible text in js/i18n/<locale>.js and use t()." },
  { selector: "TemplateElement[value.raw=/^[A-Z][a-z]+[ ,.…!?:]/]", message: "Put user-visible text in js/i18n/<locale>.js and use t()." },
  { selector: "Literal[value=/[\\uac00-\\ud7af]/]", message: "Put user-visible text in js/i18n/<locale>.js and use t()." },
];

export default [
  { ignores: ["node_modules/", "test-artifacts/", ".venv/", "var/"] },
  js.configs.recommended,
  {
    files: ["frontend/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      eqeqeq: ["error", "always"],
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-restricted-syntax": ["error", ...NO_MARKUP, ...NO_WORDS],
    },
  },
  {
    // The catalogues are where the words live.
    files: ["frontend/js/i18n/*.js"],
    rules: { "no-restricted-syntax": ["error", ...NO_MARKUP] },
  },
  {
    // config.js is a classic script a deployer replaces: one assignment to window.
    files: ["frontend/config.js"],
    languageOptions: { sourceType: "script", globals: { ...globals.browser } },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.node } },
  },
];
