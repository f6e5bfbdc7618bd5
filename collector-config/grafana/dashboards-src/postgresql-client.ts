/**
 * PostgreSQL client: query rate and duration by operation and connection-pool
 * usage per pool from the agent's pg metrics; span-metrics latency with exemplars.
 */
import { inMilliseconds, thresholds } from '../../prometheus/alerts-src/thresholds';
import {
  EMPTY_WHILE_HEALTHY,
  baseDashboard,
  datasourceVariable,
  labelVariable,
  row,
  timeseriesPanel,
  type DashboardSpec,
} from './common';

const op = 'db_client_operation_duration_seconds';
const opSel = 'service_name=~"$service", db_operation_name=~"$operation"';
const poolSel = 'service_name=~"$service", db_client_connection_pool_name=~"$pool"';

function quantile(q: number): string {
  return `histogram_quantile(${q}, sum by (le, service_name, db_operation_name) (rate(${op}_bucket{${opSel}}[$__rate_interval])))`;
}

export const postgresqlClient: DashboardSpec = {
  file: 'postgresql-client.json',
  build: () =>
    baseDashboard(
      'otel-companion-postgresql-client',
      'PostgreSQL client',
      'Queries and connection pools of the pg clients in services running the otel-companion agent.',
    )
      .withVariable(datasourceVariable())
      .withVariable(labelVariable('service', 'Service', `${op}_count`, 'service_name'))
      .withVariable(labelVariable('operation', 'Operation', `${op}_count{service_name=~"$service"}`, 'db_operation_name'))
      .withVariable(labelVariable('pool', 'Pool', 'db_client_connection_max{service_name=~"$service"}', 'db_client_connection_pool_name'))
      .withRow(row('Queries'))
      .withPanel(
        timeseriesPanel({
          title: 'Query rate by operation',
          description: 'Database operations per second, by operation (SELECT, INSERT, ...).',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (service_name, db_operation_name) (rate(${op}_count{${opSel}}[$__rate_interval]))`,
              legend: '{{service_name}} {{db_operation_name}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Failed queries by operation',
          description: `Database operations per second that ended in an error, by operation and error type. ${EMPTY_WHILE_HEALTHY}`,
          unit: 'ops',
          queries: [
            {
              expr: `sum by (service_name, db_operation_name, error_type) (rate(${op}_count{${opSel}, error_type!=""}[$__rate_interval]))`,
              legend: '{{service_name}} {{db_operation_name}} {{error_type}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Query duration p50 / p95 / p99 by operation',
          description: 'Database operation duration percentiles by operation (the agent\'s db.client.operation.duration; SlowDatabaseQueries evaluates its p95). Dashed lines: SlowDatabaseQueries thresholds (100ms warning, 500ms critical).',
          unit: 's',
          width: 24,
          height: 10,
          queries: [
            { expr: quantile(0.5), legend: 'p50 {{service_name}} {{db_operation_name}}' },
            { expr: quantile(0.95), legend: 'p95 {{service_name}} {{db_operation_name}}' },
            { expr: quantile(0.99), legend: 'p99 {{service_name}} {{db_operation_name}}' },
          ],
          thresholds: thresholds.dbOperationP95Seconds,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'PostgreSQL span p95 by span name (with exemplars)',
          description: 'p95 duration of the PostgreSQL client spans from the collector\'s span metrics, with exemplars: click a dot to open the trace with that query in Jaeger. (The agent\'s db histogram carries no exemplars: the OpenTelemetry JS SDK does not record them.)',
          unit: 'ms',
          width: 24,
          queries: [
            {
              expr: 'histogram_quantile(0.95, sum by (le, service_name, span_name) (rate(traces_span_metrics_duration_milliseconds_bucket{service_name=~"$service", span_kind="SPAN_KIND_CLIENT", db_system_name="postgresql"}[$__rate_interval])))',
              legend: '{{service_name}} {{span_name}}',
              exemplar: true,
            },
          ],
          thresholds: inMilliseconds(thresholds.dbOperationP95Seconds),
        }),
      )
      .withRow(row('Connection pools'))
      .withPanel(
        timeseriesPanel({
          title: 'Pool usage (in use / max)',
          description: 'Connections in use as a share of the pool maximum, per pool and process. Dashed lines: DatabasePoolNearExhaustion thresholds (75% warning, 95% critical).',
          unit: 'percentunit',
          min: 0,
          max: 1,
          width: 8,
          queries: [
            {
              expr: `sum without (db_client_connection_state) (db_client_connection_count{${poolSel}, db_client_connection_state="used"})\n/ db_client_connection_max{${poolSel}}`,
              legend: '{{service_name}} {{db_client_connection_pool_name}} {{service_instance_id}}',
            },
          ],
          thresholds: thresholds.dbPoolUsageRatio,
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Connections by state',
          description: 'Open connections per pool, used and idle, with the pool maximum.',
          unit: 'short',
          min: 0,
          width: 8,
          queries: [
            {
              expr: `sum by (service_name, db_client_connection_pool_name, db_client_connection_state) (db_client_connection_count{${poolSel}})`,
              legend: '{{service_name}} {{db_client_connection_pool_name}} {{db_client_connection_state}}',
            },
            {
              expr: `sum by (service_name, db_client_connection_pool_name) (db_client_connection_max{${poolSel}})`,
              legend: '{{service_name}} {{db_client_connection_pool_name}} max',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Requests waiting for a connection',
          description: 'Queries queued because every connection of the pool is in use. Anything above zero for long means the pool is too small or connections are held too long.',
          unit: 'short',
          min: 0,
          width: 8,
          queries: [
            {
              expr: `sum by (service_name, db_client_connection_pool_name) (db_client_connection_pending_requests{${poolSel}})`,
              legend: '{{service_name}} {{db_client_connection_pool_name}}',
            },
          ],
        }),
      )
      .build(),
};
