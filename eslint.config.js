// ESLint (flat config): a modest rule set that holds what the code already does on purpose —
// short functions, no floating promises, the rules of hooks — and nothing that would need mass
// disables. `npm run lint` runs it, then `prettier --check`; `npm test` runs the same two steps.
//
// What is on, and why not more:
// - @eslint/js and typescript-eslint `recommended` (not `strict` or `stylistic`: layout is
//   Prettier's job, and strict's extra rules would be disabled more often than they would help).
// - no-explicit-any is replaced by the house rule as the code already writes it: an `any` carries
//   a `// any: <why>` comment on its line or just above (depot/any-needs-reason, below).
// - Type-aware rules only where a promise can be dropped: no-floating-promises and
//   no-misused-promises, over the app's code (see TYPED). The whole type-checked set would double
//   the time for little gain here.
// - max-lines-per-function 80 for the app's own code (tests read as stories and may run long).
// - rules-of-hooks and exhaustive-deps for the renderer; react-hooks 7's React Compiler rules are
//   left off, since the renderer is not compiled with it.
// - Any eslint-disable in the code says why after `--`, and an unused one is an error.
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * "No `any` without a comment saying why" (docs: ../shared/STYLE.md): each `any` has a comment
 * starting `any:` on its own line, or in the block of line comments just above it.
 */
const anyNeedsReason = {
  meta: {
    type: 'suggestion',
    schema: [],
    messages: { why: 'say why this is `any` in a `// any: <why>` comment on its line or just above it' },
  },
  create(context) {
    const comments = context.sourceCode.getAllComments();
    const commentLines = new Set(comments.map((c) => c.loc.start.line));
    const explained = new Set();
    for (const c of comments) {
      if (!/^\s*any:/.test(c.value)) continue;
      explained.add(c.loc.start.line);
      let next = c.loc.end.line + 1;
      while (commentLines.has(next)) next += 1;
      explained.add(next);
    }
    return {
      TSAnyKeyword(node) {
        if (!explained.has(node.loc.start.line)) context.report({ node, messageId: 'why' });
      },
    };
  },
};

/**
 * Where the type-aware rules run: the app's own code, where a dropped promise loses work. Tests,
 * benchmarks and scripts are left out to keep `npm run lint` well under 40 s on two cores (the
 * TypeScript program over test/ and bench/ alone costs about 10 s); vitest reports an unawaited
 * expectation there by itself.
 */
const TYPED = ['src-main/**/*.{ts,tsx}', 'src-renderer/**/*.{ts,tsx}', 'src-preload/**/*.ts'];

/** The app's own code (not tests, benchmarks or scripts): functions stay short. */
const APP = ['src-main/**/*.{ts,tsx}', 'src-renderer/**/*.{ts,tsx}', 'src-preload/**/*.ts'];

export default defineConfig(
  {
    ignores: ['out/', 'dist/', 'coverage/', 'test-results/', 'playwright-report/', '.bench/', 'native/', 'migrations/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  // A disable says why, after `--` on the directive itself, and never switches off everything.
  comments.recommended,
  {
    rules: {
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
    },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { depot: { rules: { 'any-needs-reason': anyNeedsReason } } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      'depot/any-needs-reason': 'error',
      // `_` marks an argument kept for its position (a handler's signature) or a field left out
      // of a rest copy (`const { quote: _quote, ...rest } = row`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: TYPED,
    languageOptions: {
      parserOptions: {
        // tsconfig.json covers src-*.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: APP,
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
);
