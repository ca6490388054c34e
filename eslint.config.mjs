// `npm run lint` (part of `npm test`): the recommended JavaScript and TypeScript rules, and the
// import boundaries below — what each folder may import — so the layers stay as the README's
// folder table says. Tests, test support and examples wire whole collectors together: the
// boundaries apply to what ships.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TESTS = ['**/*.test.ts', '**/*.spec.ts', '**/*.test-support.ts', '**/*.bench.ts', '**/testing/**', '**/bench/**', 'examples/**'];

// Every `from` is a glob: the rule refuses a mix of globs and plain folders in one zone.
const collector = (...names) => names.map((name) => `./collector/${name}/**`);
// The collector's composition, which wires the folders together: no folder imports it.
const COMPOSITION = './collector/{app,server,cli,cli-deadletter,cli-forget,index}.ts';
const except = (folders) => [...collector(...folders), COMPOSITION];

/** Files in `target` may not import from `from`; the message says why. */
const zones = [
  // The SDK: protocol ← core ← browser | miniprogram. What ships to pages and mini-programs never needs the collector.
  {
    target: './sdk/protocol',
    from: ['./sdk/{core,browser,miniprogram,testing}/**', './collector/**'],
    message: 'sdk/protocol is the wire format: it depends on nothing',
  },
  {
    target: './sdk/core',
    from: ['./sdk/{browser,miniprogram,testing}/**', './collector/**'],
    message: 'sdk/core runs on every platform: no platform or collector code',
  },
  { target: './sdk/browser', from: ['./sdk/{miniprogram,testing}/**', './collector/**'], message: 'the browser SDK ships on its own' },
  { target: './sdk/miniprogram', from: ['./sdk/{browser,testing}/**', './collector/**'], message: 'the mini-program SDK ships on its own' },
  // The collector: records ← log | sinks (neither imports the other); state; pipeline → log; routes → pipeline; the composition wires them.
  {
    target: './collector/records',
    from: except(['log', 'sinks', 'pipeline', 'routes', 'middleware', 'state', 'config', 'analysis']),
    message: 'records are what the log and the sinks share: they import neither',
  },
  {
    target: './collector/log',
    from: except(['sinks', 'pipeline', 'routes', 'middleware', 'state', 'config', 'analysis']),
    message: 'the log knows records, not who writes or reads them',
  },
  {
    target: './collector/sinks',
    from: except(['log', 'pipeline', 'routes', 'middleware', 'state', 'analysis']),
    message: 'a sink is given records: it knows nothing of the log or the pipeline',
  },
  {
    target: './collector/state',
    from: except(['log', 'sinks', 'pipeline', 'routes', 'middleware', 'config', 'analysis']),
    message: 'shared state (de-dup, rate limits) stands alone',
  },
  {
    target: './collector/pipeline',
    from: except(['sinks', 'routes', 'middleware', 'config', 'analysis']),
    message: 'the pipeline takes events to the log: HTTP and sinks are not its business',
  },
  {
    target: './collector/middleware',
    from: except(['log', 'sinks', 'pipeline', 'routes', 'state', 'analysis']),
    message: 'middleware guards requests: it touches neither events nor storage',
  },
  { target: './collector/routes', from: except(['log', 'sinks', 'state', 'middleware', 'analysis']), message: 'routes hand requests to the pipeline' },
  {
    target: './collector/config',
    from: except(['log', 'sinks', 'state', 'routes', 'middleware', 'analysis']),
    message: 'the config schema describes options: it builds nothing',
  },
  {
    target: './collector/privacy',
    from: except(['routes', 'middleware', 'state']),
    message: "a data subject request works on the data folder and the sinks' databases, not on requests",
  },
  {
    target: './collector/analysis',
    from: except(['sinks', 'routes', 'middleware', 'state']),
    message: "analysis reads the log's files, not the running collector",
  },
  {
    target: './collector',
    from: ['./sdk/{browser,miniprogram}/**'],
    message: 'the collector shares sdk/protocol (and the version) with the SDK, nothing that runs in a page',
  },
  {
    target: './collector',
    from: './sdk/core',
    except: ['./version.ts'],
    message: 'the collector shares sdk/protocol (and the version) with the SDK, nothing that runs in a page',
  },
];

export default tseslint.config(
  { ignores: ['**/dist/**', 'test-results/**', 'playwright-report/**', '.tmp/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `{ drop: _, ...rest }` leaves a property out; `_name` marks a parameter kept for its position.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  { files: ['**/*.{js,mjs,cjs}'], languageOptions: { globals: globals.node } },
  // Benchmarks and replays run functions in the page (page.evaluate): browser globals there.
  { files: ['**/bench/**/*.mjs'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  {
    files: ['examples/miniprogram/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { App: 'readonly', Page: 'readonly', getApp: 'readonly', wx: 'readonly', ...globals.commonjs } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Tests reach into what they check.
  { files: TESTS, rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  {
    files: ['**/*.ts'],
    ignores: TESTS,
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mjs', '.js', '.json'] })] },
    rules: { 'import-x/no-restricted-paths': ['error', { zones }] },
  },
);
