import type { SettingsOf } from '../config';
import type { exportSettings } from './export-settings';

export type ExportConfig = SettingsOf<typeof exportSettings>;
export type Signal = 'traces' | 'metrics' | 'logs';

/** Where and how one signal is sent: every exporter of that signal reads these, and nothing else. */
export interface SignalEndpoint {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** One export, retries included, ends within this. */
  readonly timeoutMs: number;
}

/** The URL a signal is exported to: the per-signal variable wins, else base + /v1/<signal>. */
export function otlpUrl(s: ExportConfig, signal: Signal): string {
  const specific = signal === 'traces' ? s.otlpTracesEndpoint : signal === 'metrics' ? s.otlpMetricsEndpoint : s.otlpLogsEndpoint;
  if (specific) return specific;
  return `${s.otlpEndpoint.replace(/\/+$/, '')}/v1/${signal}`;
}

/** URL, headers (the per-signal ones added to the general ones) and timeout (per-signal, else general) of a signal. */
export function signalEndpoint(s: ExportConfig, signal: Signal): SignalEndpoint {
  const [headers, timeoutMs] = signal === 'traces'
    ? [s.otlpTracesHeaders, s.otlpTracesTimeoutMs]
    : signal === 'metrics' ? [s.otlpMetricsHeaders, s.otlpMetricsTimeoutMs] : [s.otlpLogsHeaders, s.otlpLogsTimeoutMs];
  return { url: otlpUrl(s, signal), headers: { ...s.otlpHeaders, ...headers }, timeoutMs: timeoutMs ?? s.otlpTimeoutMs };
}
