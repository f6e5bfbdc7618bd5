/**
 * Writes collector-config/otelcol/redaction.yaml (the collector's redaction stage) from
 * agent/processors/rules/default-rules.json, the one source of the agent's redaction rules.
 *
 *   npm run generate:redaction            write the file
 *   npm run generate:redaction -- --check exit 1 when the committed file is stale
 *
 * CommonJS on purpose: Node 24 runs it directly (type stripping), after `npm run build`.
 */
const { readFileSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
const { join } = require('node:path') as typeof import('node:path');

const root = join(__dirname, '..');
const target = join(root, 'collector-config/otelcol/redaction.yaml');
const { renderCollectorRedaction } = require(join(root, 'dist/agent/processors/rules/collector-stage.js')) as
  typeof import('../agent/processors/rules/collector-stage');

const wanted = renderCollectorRedaction();
let current = '';
try {
  current = readFileSync(target, 'utf8');
} catch {
  // first run
}
if (process.argv.includes('--check')) {
  if (current !== wanted) {
    process.stderr.write(`${target} is stale: run npm run generate:redaction\n`);
    process.exit(1);
  }
  process.stdout.write(`${target} is up to date\n`);
} else {
  writeFileSync(target, wanted);
  process.stdout.write(`wrote ${target}\n`);
}
