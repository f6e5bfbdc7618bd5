/**
 * Writes collector-config/grafana/dashboards/*.json from the TypeScript sources
 * in collector-config/grafana/dashboards-src (grafana-foundation-sdk).
 *
 *   npm run generate:dashboards              write the JSON
 *   npm run generate:dashboards -- --check   exit 1 if a committed file is stale
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dashboards, renderDashboard } from '../collector-config/grafana/dashboards-src/index';

export const repoRoot = join(__dirname, '..').replace(/[\\/]node_modules[\\/]\.cache[\\/][^\\/]+$/, '');
export const dashboardsJsonDir = join(repoRoot, 'collector-config/grafana/dashboards');

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const expected = new Set(dashboards.map((d) => d.file));
  let stale = 0;
  for (const spec of dashboards) {
    const path = join(dashboardsJsonDir, spec.file);
    const rendered = renderDashboard(spec);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === rendered) continue;
    if (check) {
      console.error(`${relative(repoRoot, path)} is stale`);
      stale += 1;
    } else {
      writeFileSync(path, rendered);
      console.log(`wrote ${relative(repoRoot, path)}`);
    }
  }
  for (const file of readdirSync(dashboardsJsonDir).filter((f) => f.endsWith('.json') && !expected.has(f))) {
    if (check) {
      console.error(`collector-config/grafana/dashboards/${file} has no source in dashboards-src`);
      stale += 1;
    } else {
      rmSync(join(dashboardsJsonDir, file));
      console.log(`removed collector-config/grafana/dashboards/${file}`);
    }
  }
  if (check && stale > 0) {
    console.error('run `npm run generate:dashboards` and commit the JSON');
    return 1;
  }
  if (check) console.log(`${dashboards.length} dashboards up to date`);
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
