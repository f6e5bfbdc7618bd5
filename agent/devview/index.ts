import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { SettingsOf } from '../config';
import type { devviewSettings } from './settings';
import type { ProfileStore } from '../../converters/profile-store';
import type { SchemeDocument } from '../../converters/model';
import { agentLog } from '../runtime/agent-log';

/**
 * The dev view: each finished trace as an event tree in the terminal (OTEL_COMPANION_DEV=1), and
 * the Web Debug Protocol "headers + API" transport (/_profile). Both off by default.
 */
export interface DevViewSetup {
  readonly spanProcessors: SpanProcessor[];
  /** Collects log records emitted inside traced spans, so they show in place. */
  readonly logRecordProcessors: LogRecordProcessor[];
  /** The documents served on /_profile (undefined when the transport is off). */
  readonly profiles?: ProfileStore<string>;
  /** Hooks /_profile into the app's HTTP servers, once start-up has succeeded; returns how to take it back. */
  install(): () => void;
}

const NOTHING: DevViewSetup = { spanProcessors: [], logRecordProcessors: [], install: () => () => {} };

export type DevViewConfig = SettingsOf<typeof devviewSettings>;

const ON = new Set(['1', 'true', 'yes', 'on']);

export function profileEnabled(config: DevViewConfig): boolean {
  const raw = config.profile;
  return raw === undefined ? config.dev : ON.has(raw.trim().toLowerCase());
}

export function createDevView(config: DevViewConfig, env: NodeJS.ProcessEnv = process.env): DevViewSetup {
  try {
    return setUp(config, env);
  } catch (err) {
    agentLog.warn(`dev view and /_profile are off: ${(err as Error)?.message ?? String(err)}`);
    return NOTHING;
  }
}

function setUp(d: DevViewConfig, env: NodeJS.ProcessEnv): DevViewSetup {
  const showTree = d.dev;
  const serve = profileEnabled(d);
  if (!showTree && !serve) return NOTHING;
  // Loaded only when on: the converters (and their dependencies) cost start-up time otherwise.
  const { ProfileStore } = require('../../converters/profile-store') as typeof import('../../converters/profile-store');
  const { stringifyDocument } = require('../../converters/json-writer') as typeof import('../../converters/json-writer');
  const { uuidToTraceId } = require('../../converters/ids') as typeof import('../../converters/ids');
  const { TraceCollector } = require('./collector') as typeof import('./collector');
  const { installProfileEndpoint } = require('./profile-endpoint') as typeof import('./profile-endpoint');
  const { renderTree } = require('./tree') as typeof import('./tree');
  let profiles: ProfileStore<string> | undefined;
  let install: () => () => void = () => () => {};
  if (serve) {
    const store = new ProfileStore<string>({
      maxEntries: d.profileMaxDocuments, ttlMs: d.profileTtlSeconds * 1000,
      maxTotalSize: d.profileMaxBytes, sizeOf: (s) => s.length,
    });
    profiles = store;
    const production = env.NODE_ENV === 'production';
    install = () => {
      const uninstall = installProfileEndpoint({ path: d.profilePath, token: d.profileToken, production, store });
      if (production && d.profileToken === undefined) agentLog.warn(`${d.profilePath} answers 403: NODE_ENV=production and no OTEL_COMPANION_PROFILE_TOKEN`);
      return uninstall;
    };
  }
  const store = profiles;
  const collector = new TraceCollector({
    onDocument(doc: SchemeDocument) {
      try {
        if (store) store.set(uuidToTraceId(doc.id), stringifyDocument(doc));
        if (showTree) process.stderr.write(renderTree(doc, d.maxTreeEvents));
      } catch (err) {
        agentLog.debug('devview: document not shown:', (err as Error).message);
      }
    },
  });
  return { spanProcessors: [collector], logRecordProcessors: [collector.logProcessor], profiles, install };
}
