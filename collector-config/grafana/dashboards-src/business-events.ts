/**
 * Business events: what the services record with recordEvent
 * (app_events_total{event_name, event_context}), and which of them notified
 * someone (the BusinessEvent alert, see business-events.yaml).
 */
import {
  EMPTY_WHILE_HEALTHY,
  barGaugePanel,
  baseDashboard,
  datasourceVariable,
  labelVariable,
  row,
  statPanel,
  timeseriesPanel,
  type DashboardSpec,
} from './common';

const sel = 'service_name=~"$service", event_name=~"$event_name"';

export const businessEvents: DashboardSpec = {
  file: 'business-events.json',
  build: () =>
    baseDashboard(
      'otel-companion-business-events',
      'Business events',
      'Business events recorded by services (recordEvent), by name and context, and the BusinessEvent notifications they triggered.',
    )
      .withVariable(datasourceVariable())
      .withVariable(labelVariable('service', 'Service', 'app_events_total', 'service_name'))
      .withVariable(labelVariable('event_name', 'Event', 'app_events_total{service_name=~"$service"}', 'event_name'))
      .withRow(row('Events'))
      .withPanel(
        statPanel({
          title: 'Events in the time range',
          description: 'Business events recorded in the selected time range, all selected names together.',
          unit: 'short',
          width: 8,
          queries: [{ expr: `sum(increase(app_events_total{${sel}}[$__range]))` }],
        }),
      )
      .withPanel(
        statPanel({
          title: 'Event kinds seen',
          description: 'Distinct event name and context pairs recorded in the selected time range.',
          unit: 'short',
          width: 8,
          queries: [{ expr: `count(count by (event_name, event_context) (last_over_time(app_events_total{${sel}}[$__range])))` }],
        }),
      )
      .withPanel(
        statPanel({
          title: 'Notifying events firing now',
          description: `BusinessEvent alerts currently firing: events listed in business-events.yaml that were recorded in the last 5 minutes and sent to the event-notification receiver. ${EMPTY_WHILE_HEALTHY}`,
          unit: 'short',
          width: 8,
          queries: [{ expr: 'count(ALERTS{alertname="BusinessEvent", alertstate="firing", service_name=~"$service", event_name=~"$event_name"})' }],
        }),
      )
      .withPanel(
        timeseriesPanel({
          title: 'Events per minute by name and context',
          description: 'Business events per minute, by event name and context (the place in the code that recorded it).',
          unit: 'cpm',
          width: 24,
          queries: [
            {
              expr: `sum by (service_name, event_name, event_context) (rate(app_events_total{${sel}}[$__rate_interval])) * 60`,
              legend: '{{service_name}} {{event_name}} ({{event_context}})',
            },
          ],
        }),
      )
      .withPanel(
        barGaugePanel({
          title: 'Events in the time range by name',
          description: 'Business events recorded in the selected time range, by name and context: which events dominate.',
          unit: 'short',
          min: 0,
          width: 24,
          queries: [
            {
              expr: `sort_desc(sum by (event_name, event_context) (increase(app_events_total{${sel}}[$__range])))`,
              legend: '{{event_name}} ({{event_context}})',
            },
          ],
        }),
      )
      .build(),
};
