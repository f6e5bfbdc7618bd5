import { context } from '@opentelemetry/api';
import { ExportResultCode, globalErrorHandler, suppressTracing, type ExportResult } from '@opentelemetry/core';
import { MetricReader, type MetricProducer, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { agentLog } from '../runtime/agent-log';

export interface PeriodicReaderOptions {
  readonly exporter: PushMetricExporter;
  /** OTEL_METRIC_EXPORT_INTERVAL (default 60000, as upstream's). */
  readonly exportIntervalMillis?: number;
  /** OTEL_METRIC_EXPORT_TIMEOUT: collection and export give up after this, clamped to the interval (default 30000). */
  readonly exportTimeoutMillis?: number;
  readonly metricProducers?: MetricProducer[];
}

/**
 * The SDK's PeriodicExportingMetricReader, with the agent's process-lifetime rule: nothing of it
 * keeps the process alive while the app runs. Upstream's reader holds a ref'd timer for the whole
 * of every export (its timeout), so an export retrying against a collector that is down kept an
 * app whose work was done alive until the export gave up. Here the interval and the timeout are
 * unref'd; the shutdown flush holds the process itself. Same public behaviour otherwise: collect
 * every interval (skipped while an export is in flight), export, forceFlush and shutdown export
 * once more (test/export/periodic-reader.test.ts compares both readers).
 */
export class PeriodicReader extends MetricReader {
  private interval: NodeJS.Timeout | undefined;
  private ongoing: Promise<void> | undefined;
  private readonly exporter: PushMetricExporter;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;

  constructor(options: PeriodicReaderOptions) {
    const { exporter } = options;
    super({
      aggregationSelector: exporter.selectAggregation?.bind(exporter),
      aggregationTemporalitySelector: exporter.selectAggregationTemporality?.bind(exporter),
      metricProducers: options.metricProducers,
      otelComponentType: 'periodic_metric_reader',
    });
    const { exportIntervalMillis = 60_000, exportTimeoutMillis = 30_000 } = options;
    if (!(exportIntervalMillis > 0)) throw new Error('exportIntervalMillis must be greater than 0');
    if (!(exportTimeoutMillis > 0)) throw new Error('exportTimeoutMillis must be greater than 0');
    this.exporter = exporter;
    this.intervalMs = exportIntervalMillis;
    this.timeoutMs = Math.min(exportTimeoutMillis, exportIntervalMillis);
  }

  protected override onInitialized(): void {
    this.interval = setInterval(() => void this.runOnce(), this.intervalMs);
    this.interval.unref();
  }

  protected override async onForceFlush(): Promise<void> {
    if (this.ongoing) await this.ongoing.catch(() => undefined);
    await this.runOnce();
    await this.exporter.forceFlush();
  }

  protected override async onShutdown(): Promise<void> {
    if (this.interval) clearInterval(this.interval);
    await this.onForceFlush();
    await this.exporter.shutdown();
  }

  /** One collection and export; failures go to the global error handler (ExportHealth tells outages). */
  private async runOnce(): Promise<void> {
    if (this.ongoing) return;
    this.ongoing = this.collectAndExport();
    try {
      await this.ongoing;
    } catch (err) {
      globalErrorHandler(err as Error);
    } finally {
      this.ongoing = undefined;
    }
  }

  private async collectAndExport(): Promise<void> {
    const { resourceMetrics, errors } = await this.collect({ timeoutMillis: this.timeoutMs });
    if (errors.length > 0) agentLog.debug('metrics collection errors:', ...errors);
    const resource = resourceMetrics.resource as { asyncAttributesPending?: boolean; waitForAsyncAttributes?: () => Promise<void> };
    if (resource.asyncAttributesPending) await resource.waitForAsyncAttributes?.().catch(() => undefined);
    if (resourceMetrics.scopeMetrics.length === 0) return;
    const result = await this.exportWithin(resourceMetrics);
    if (result.code !== ExportResultCode.SUCCESS) throw new Error(`metrics export failed (${String(result.error?.message ?? result.error)})`);
  }

  private exportWithin(metrics: ResourceMetrics): Promise<ExportResult> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        agentLog.debug(`metrics export timed out after ${this.timeoutMs} ms`);
        resolve({ code: ExportResultCode.FAILED, error: new Error('metrics export timed out') });
      }, this.timeoutMs);
      timer.unref();
      // The agent's own export: no span for it, whatever instrumentation is active.
      context.with(suppressTracing(context.active()), () => {
        try {
          this.exporter.export(metrics, (result) => {
            clearTimeout(timer);
            resolve(result);
          });
        } catch (err) {
          clearTimeout(timer);
          resolve({ code: ExportResultCode.FAILED, error: err as Error });
        }
      });
    });
  }
}
