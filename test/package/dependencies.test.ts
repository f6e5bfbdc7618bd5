import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/run-app';

/**
 * What the built package really loads, read from dist/ (what `npm pack` ships, built by `npm test`
 * before the suites): every package it requires or imports must be a dependency or a peer
 * dependency, and every dependency must be loaded by something in dist/.
 */
const DIST = join(REPO_ROOT, 'dist');
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>; peerDependencies: Record<string, string>;
};

/**
 * Needed by the package without being loaded by its JavaScript: `winston-transport` is the base
 * class of the transports in the .d.ts files (a type-only import in agent/logs/logger.ts), so a
 * TypeScript user needs it to compile.
 */
const TYPES_ONLY: Record<string, string> = { 'winston-transport': 'agent/logs/logger.d.ts' };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Package name of a bare specifier ('@scope/name/sub' → '@scope/name'); undefined for relative paths and builtins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every module specifier in the built JavaScript: require('x'), import ... from 'x', import('x'), and require(`x-${name}`) prefixes. */
function loadedPackages(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of files(DIST).filter((f) => /\.(c|m)?js$/.test(f))) {
    const code = readFileSync(file, 'utf8');
    const specifiers = [
      ...code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g),
      ...code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
      ...code.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/gm),
      ...code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ].map((m) => m[1]!);
    for (const spec of specifiers) {
      const name = packageOf(spec);
      if (name) found.set(name, [...(found.get(name) ?? []), relative(DIST, file)]);
    }
  }
  return found;
}

describe('declared dependencies match what dist/ loads', () => {
  const declared = { ...manifest.dependencies, ...manifest.peerDependencies };

  it('dist/ is built', () => {
    expect(existsSync(join(DIST, 'agent/bootstrap/register.js')), 'run npm run build first').toBe(true);
  });

  it('every package dist/ loads is a dependency or a peer dependency', () => {
    const undeclared = [...loadedPackages()].filter(([name]) => !(name in declared)).map(([name, where]) => `${name} (${where.join(', ')})`);
    expect(undeclared).toEqual([]);
  });

  it('every dependency is loaded by dist/ (or is the type-only base class named above)', () => {
    const loaded = loadedPackages();
    const unused = Object.keys(declared).filter((name) => !loaded.has(name) && !(name in TYPES_ONLY));
    expect(unused).toEqual([]);
    for (const [name, declaration] of Object.entries(TYPES_ONLY)) {
      expect(readFileSync(join(DIST, declaration), 'utf8'), `${declaration} imports ${name}`).toContain(`from '${name}'`);
    }
  });

  it('@opentelemetry/api is a peer dependency with a range, so that the app and the agent share one copy', () => {
    expect(manifest.dependencies['@opentelemetry/api']).toBeUndefined();
    expect(manifest.peerDependencies['@opentelemetry/api']).toMatch(/[<>^~]/);
  });
});
