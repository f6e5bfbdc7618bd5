/**
 * What the CommonJS benchmarks share: arguments, CPU time, medians, and their section of
 * docs/benchmarks.md. CommonJS like them (the package is "type": "commonjs"); Node 24 strips the types.
 */
const { join } = require('node:path') as typeof import('node:path');
const { readFileSync, writeFileSync } = require('node:fs') as typeof import('node:fs');

/** `--name <number>` from the command line, or `fallback`. */
function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * CPU time of this process (user + system), not wall time: the bench machine is shared, and CPU
 * time is what the app loses; it is far less disturbed by other processes than wall time.
 */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Replaces only this benchmark's section of docs/benchmarks.md (between its bench:<name> markers),
 * or appends it under `heading` the first time.
 */
function writeBenchSection(name: string, heading: string, body: string): void {
  const file = join(__dirname, '..', 'docs/benchmarks.md');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const section = `${start}\n${body}\n${end}`;
  let doc: string;
  try {
    doc = readFileSync(file, 'utf8');
  } catch {
    doc = '# Benchmarks\n';
  }
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  doc = a >= 0 && b > a ? doc.slice(0, a) + section + doc.slice(b + end.length) : `${doc.trimEnd()}\n\n## ${heading}\n\n${section}\n`;
  writeFileSync(file, doc);
  console.log(`wrote ${file}`);
}

const benchLib = { numberArg, cpuNs, median, writeBenchSection };
/** For the benches' `require('./lib.ts') as BenchLib` (a type-only export: the file stays CommonJS for Node). */
export type BenchLib = typeof benchLib;
module.exports = benchLib;
