// ESLint for every source file we write: the shipped agent and converters, scripts, benchmarks,
// tests, the alert and dashboard generators, and the examples. Formatting: @stylistic's rules for
// the one hand style the code keeps (`npm run format` fixes what they report); line length is not
// one of them, since long log and assertion lines read better whole.
//
// TypeScript 7 (the `tsc` that builds and type-checks the project) ships no JavaScript compiler
// API, and typescript-eslint needs one to parse TypeScript and to ask for types. package.json
// therefore installs the two side by side: `typescript` is the TypeScript 6 compatibility package
// (@typescript/typescript6, whose API the linter loads) and `@typescript/native` is TypeScript 7,
// whose `tsc` is the one npm scripts run. 6.0 and 7.0 check types alike.
import eslintComments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/node_modules/', 'dist/', '.stack/', 'coverage/', '.tmp/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
    languageOptions: { globals: globals.node },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  eslintComments.recommended,
  {
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      // A leading underscore marks a parameter a signature requires but the body does not read
      // (Express tells error handlers by their four parameters; interface methods; arity tests).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' }],
      // Patched methods are `function`s that must see their caller's `this` and reach the
      // instrumentation that patched them: that one alias is the way to do both.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['instrumentation'] }],
      // Every kept exception says why.
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }],
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
    },
  },
  {
    // The package is "type": "commonjs", so plain .js files are CommonJS too.
    files: ['**/*.cjs', '**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Type-aware rules for the shipped code. The agent runs inside someone else's process: a
    // promise nobody handles becomes an unhandled rejection in the host app.
    files: ['agent/**/*.ts', 'converters/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Indexed reads are written `list[i]!` throughout (the mark they would need under
      // noUncheckedIndexedAccess); with that option off this rule reports each one as redundant.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // The agent patches methods: it keeps prototype methods (emit, hasOwnProperty) to call them
      // later with call or apply, which is what this rule reports.
      '@typescript-eslint/unbound-method': 'off',
      // An async method that does not await still turns a throw into a rejection, which callers of
      // Promise-returning interfaces (MetricProducer.collect, SpanProcessor.shutdown) expect.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The agent loads each optional part (an instrumentation, the YAML parser, the Prometheus
    // exporter, the dev view's converters) with require() where it is switched on, so a part
    // that is off costs no start-up time. Benchmarks and scripts are TypeScript files that Node
    // runs as CommonJS; they load the built dist/ by computed paths.
    files: ['agent/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests, benchmarks, scripts and generators get the promise rules too: an assertion on a
    // promise that nobody awaits (`expect(p).rejects...`) passes whatever p does.
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'collector-config/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // The agent writes through runtime/agent-log.ts only: one prefix, one level switch, stderr.
    files: ['agent/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Formatting, every file.
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/indent': ['error', 2, { SwitchCase: 1, ignoredNodes: ['TemplateLiteral *', 'ConditionalExpression *'] }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/comma-spacing': 'error',
      '@stylistic/keyword-spacing': 'error',
      '@stylistic/space-infix-ops': 'error',
      '@stylistic/space-before-blocks': 'error',
      '@stylistic/arrow-parens': ['error', 'always'],
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/eol-last': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0, maxBOF: 0 }],
    },
  },
);
