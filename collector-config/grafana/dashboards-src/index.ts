/** Every otel-companion dashboard, in the order Grafana lists them. */
import { businessEvents } from './business-events';
import { collectorHealth } from './collector-health';
import type { DashboardSpec } from './common';
import { nodejsRuntime } from './nodejs-runtime';
import { postgresqlClient } from './postgresql-client';
import { serviceOverview } from './service-overview';

export const dashboards: DashboardSpec[] = [serviceOverview, nodejsRuntime, postgresqlClient, businessEvents, collectorHealth];

/** The committed JSON for one dashboard: stable key order from the builder, 2-space indent, final newline. */
export function renderDashboard(spec: DashboardSpec): string {
  return `${JSON.stringify(spec.build(), null, 2)}\n`;
}
