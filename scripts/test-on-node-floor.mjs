// Runs the suites of the code we ship (agent, converters, the packed tarball) again on the lowest
// Node.js that package.json `engines` allows, the last step of `npm test`. Every app those suites
// start runs on the same Node (they spawn process.execPath), so the agent itself is tested there.
// The floor Node comes from test/node-floor (npm package `node`, installed by provision.sh's
// fixtures step); this script refuses to run when its version is not the declared floor.
//
//   node scripts/test-on-node-floor.mjs [vitest filters...]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The suites of shipped code; the others (docs, alert rules, the stack) do not depend on the app's Node. */
export const FLOOR_SUITES = [
  'test/tracing', 'test/metrics', 'test/logs', 'test/events', 'test/health', 'test/devview', 'test/processors',
  'test/converters', 'test/package', 'test/export',
];

const fail = (message) => {
  process.stderr.write(`test-on-node-floor: ${message}\n`);
  process.exit(1);
};

const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '';
const floor = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(engines);
if (!floor) fail(`package.json engines.node is "${engines}"; expected ">=MAJOR.MINOR[.PATCH]"`);
const wanted = `v${floor[1]}.${floor[2]}.${floor[3] ?? 0}`;

const node = join(root, 'test/node-floor/node_modules/.bin/node');
if (!existsSync(node)) fail(`${node} is missing; run: bash scripts/stack/provision.sh fixtures`);
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
if (version !== wanted) {
  fail(`test/node-floor has Node ${version}, but engines says ${engines} (${wanted}); update test/node-floor/package.json`);
}

process.stderr.write(`== the shipped code's suites again, on Node ${version} (the engines floor)\n`);
const vitest = join(root, 'node_modules/vitest/vitest.mjs');
const args = process.argv.slice(2);
const run = spawnSync(node, [vitest, 'run', '--project', 'unit', ...(args.length ? args : FLOOR_SUITES)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
