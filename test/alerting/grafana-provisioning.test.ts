import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dashboards } from '../../collector-config/grafana/dashboards-src/index';

const grafanaDir = join(__dirname, '../../collector-config/grafana');
const datasourcesText = readFileSync(join(grafanaDir, 'provisioning/datasources/datasources.yaml'), 'utf8');

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  jsonData?: {
    exemplarTraceIdDestinations?: { name: string; datasourceUid: string }[];
    tracesToMetrics?: { datasourceUid: string; queries: { name: string; query: string }[]; tags: { key: string; value: string }[] };
    tracesToLogsV2?: { datasourceUid: string; customQuery: boolean; query: string };
  };
}
const { datasources } = parse(datasourcesText) as { datasources: Datasource[] };
const byType = (type: string) => datasources.find((d) => d.type === type);

describe('Grafana provisioning', () => {
  it('provisions Prometheus and Jaeger with fixed uids', () => {
    expect(byType('prometheus')?.uid).toBe('prometheus');
    expect(byType('jaeger')?.uid).toBe('jaeger');
    expect(byType('prometheus')?.url).toBe('http://prometheus:9090');
    expect(byType('jaeger')?.url).toBe('http://jaeger:16686');
  });

  it('Prometheus exemplars link to Jaeger by the trace_id exemplar label', () => {
    const destinations = byType('prometheus')?.jsonData?.exemplarTraceIdDestinations ?? [];
    expect(destinations).toEqual([expect.objectContaining({ name: 'trace_id', datasourceUid: byType('jaeger')?.uid })]);
  });

  it('Jaeger traces link to span metrics in Prometheus', () => {
    const link = byType('jaeger')?.jsonData?.tracesToMetrics;
    expect(link?.datasourceUid).toBe(byType('prometheus')?.uid);
    expect(link?.tags).toEqual([{ key: 'service.name', value: 'service_name' }]);
    expect(link?.queries.length).toBeGreaterThan(0);
    for (const q of link?.queries ?? []) expect(q.query, q.name).toMatch(/traces_span_metrics_/);
  });

  it('escapes Grafana query variables from provisioning-time env expansion ($$)', () => {
    // Grafana expands $VAR and ${VAR} in provisioning files; a literal $ is $$.
    const unescaped = datasourcesText
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .filter((line) => /(^|[^$])\$(\{|[A-Za-z_])/.test(line));
    expect(unescaped).toEqual([]);
    expect(datasourcesText).toContain('$$__tags');
  });

  it('the dashboard provider reads the folder docker-compose mounts the generated JSON at', () => {
    const provider = parse(readFileSync(join(grafanaDir, 'provisioning/dashboards/otel-companion.yaml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    const path = provider.providers[0].options.path;
    const compose = readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8');
    expect(compose).toContain(`./collector-config/grafana/dashboards:${path}`);
  });

  it('every dashboard uses a templated datasource of the provisioned Prometheus type', () => {
    for (const spec of dashboards) {
      const dashboard = spec.build() as { templating?: { list?: { name: string; type: string; query?: unknown }[] } };
      const variable = dashboard.templating?.list?.find((v) => v.name === 'datasource');
      expect(variable, spec.file).toMatchObject({ type: 'datasource', query: 'prometheus' });
    }
  });

  it('Jaeger traces link to their log records in VictoriaLogs, by trace id', () => {
    const logs = byType('victoriametrics-logs-datasource');
    expect(logs?.uid).toBe('victorialogs');
    expect(logs?.url).toBe('http://victorialogs:9428');
    const link = byType('jaeger')?.jsonData?.tracesToLogsV2;
    expect(link).toMatchObject({ datasourceUid: 'victorialogs', customQuery: true });
    // LogsQL on the field VictoriaLogs stores the OTLP trace id in ($$ is a literal $ for Grafana).
    expect(link?.query).toBe('trace_id:"$${__trace.traceId}"');
  });

  it('the scale-out profile provisions the same uids and links, on Thanos Query, jaeger-1 and the VictoriaLogs cluster', () => {
    const scale = parse(readFileSync(join(grafanaDir, 'provisioning-scale/datasources/datasources.yaml'), 'utf8')) as { datasources: Datasource[] };
    const strip = (d: Datasource) => ({ ...d, name: undefined, url: undefined });
    expect(scale.datasources.map(strip)).toEqual(datasources.map(strip));
    expect(Object.fromEntries(scale.datasources.map((d) => [d.uid, d.url]))).toEqual({
      prometheus: 'http://thanos-query:10902',
      jaeger: 'http://jaeger-1:16686',
      victorialogs: 'http://victorialogs-front:9428',
    });
    const compose = readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8');
    expect(compose).toContain('./collector-config/grafana/provisioning-scale/datasources:/etc/grafana/provisioning/datasources');
  });
});
