/** PostgreSQL client alerts from the agent's pg metrics. */
import { duration, percent, SERVICE_FROM_LABEL, type AlertDefinition, type RuleFile } from './model';
import { thresholds } from './thresholds';

const slowQueries: AlertDefinition = {
  name: 'SlowDatabaseQueries',
  comment:
    'p95 per service and operation (SELECT, INSERT, ...): the operation in the\nalert tells the on-call which query family to look at first.',
  service: SERVICE_FROM_LABEL,
  means: 'p95 database operation duration of one operation of a service above the threshold.',
  rules: (['critical', 'warning'] as const).map((severity) => {
    const t = thresholds.dbOperationP95Seconds[severity];
    return {
      severity,
      expr: `histogram_quantile(0.95, sum by (service_name, db_operation_name, le) (rate(db_client_operation_duration_seconds_bucket[5m])))\n  > ${t}`,
      for: '10m',
      summary: `{{ $labels.db_operation_name }} queries of {{ $labels.service_name }} are slow (p95 above ${duration(t)})`,
      description: `p95 duration of {{ $labels.db_operation_name }} database operations of {{ $labels.service_name }} is {{ $value | humanizeDuration }} (${severity} above ${duration(t)}).`,
    };
  }),
};

const poolNearExhaustion: AlertDefinition = {
  name: 'DatabasePoolNearExhaustion',
  comment:
    'Per pool and per process: the ratio keeps every label except the\nconnection state, so two replicas of one service are judged separately.',
  service: SERVICE_FROM_LABEL,
  means: 'connections in use / pool maximum of one pool of a process above the threshold.',
  rules: (['critical', 'warning'] as const).map((severity) => {
    const t = thresholds.dbPoolUsageRatio[severity];
    return {
      severity,
      expr: `sum without (db_client_connection_state) (db_client_connection_count{db_client_connection_state="used"})\n  /\ndb_client_connection_max\n  > ${t}`,
      for: '5m',
      summary:
        severity === 'critical'
          ? 'Connection pool {{ $labels.db_client_connection_pool_name }} of {{ $labels.service_name }} is almost exhausted'
          : 'Connection pool {{ $labels.db_client_connection_pool_name }} of {{ $labels.service_name }} is filling up',
      description:
        `{{ $value | humanizePercentage }} of the connections of pool {{ $labels.db_client_connection_pool_name }} ({{ $labels.service_name }}) are in use (${severity} above ${percent(t)}).` +
        (severity === 'critical' ? ' New queries queue for a connection.' : ''),
    };
  }),
};

export const databaseRules: RuleFile = {
  file: 'database.yml',
  group: 'otel-companion-database',
  header: 'PostgreSQL client alerts from the agent\'s pg metrics\n(db.client.operation.duration, db.client.connection.count / .max).\nThresholds: the performance baseline table (alerts-src/thresholds.ts).',
  alerts: [slowQueries, poolNearExhaustion],
};
