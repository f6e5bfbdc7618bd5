// Regenerates the settings table in README.md from the agent's settings registry (dist/ must be built).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { replaceSettingsBlock } = require('../dist/agent/bootstrap/settings-table.js');
const file = new URL('../README.md', import.meta.url);
const before = fs.readFileSync(file, 'utf8');
const after = replaceSettingsBlock(before);
fs.writeFileSync(file, after);
console.log(before === after ? 'README.md settings table already current' : 'README.md settings table updated');
