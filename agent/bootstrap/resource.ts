import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  detectResources, envDetector, hostDetector, osDetector, processDetector, resourceFromAttributes, serviceInstanceIdDetector,
  type Resource, type ResourceDetector,
} from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { SettingsOf } from '../config';
import { agentLog } from '../runtime/agent-log';
import { AGENT_VERSION } from '../runtime/version';
import type { agentSettings } from './agent-settings';

type AgentSettings = SettingsOf<typeof agentSettings>;

interface AppPackage { name?: string; version?: string }

/** Nearest package.json above the entry script: the app's name and version when none is configured. */
function findAppPackage(): AppPackage {
  const entry = process.argv[1];
  let dir = entry ? path.dirname(path.resolve(entry)) : process.cwd();
  for (let i = 0; i < 20; i++) {
    const file = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as AppPackage;
      return { name: typeof pkg.name === 'string' ? pkg.name : undefined, version: typeof pkg.version === 'string' ? pkg.version : undefined };
    } catch {
      // keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return {};
}

function containerDetector(): ResourceDetector | undefined {
  try {
    // Reads /proc/self/cgroup and mountinfo only: no network.
    return (require('@opentelemetry/resource-detector-container') as { containerDetector: ResourceDetector }).containerDetector;
  } catch (err) {
    agentLog.debug('container detector unavailable', err);
    return undefined;
  }
}

export function buildResource(config: AgentSettings): Resource {
  const wanted = new Set(config.resourceDetectors);
  const detectors: ResourceDetector[] = [];
  if (wanted.has('host')) detectors.push(hostDetector);
  if (wanted.has('os')) detectors.push(osDetector);
  if (wanted.has('process')) detectors.push(processDetector);
  // A random id per process, so per-instance series (service_instance_id) are told apart.
  if (wanted.has('service')) detectors.push(serviceInstanceIdDetector);
  if (wanted.has('container')) {
    const c = containerDetector();
    if (c) detectors.push(c);
  }
  // env last so OTEL_RESOURCE_ATTRIBUTES wins over detected values.
  if (wanted.has('env')) detectors.push(envDetector);
  let resource = detectResources({ detectors });

  const pkg = wanted.has('service') ? findAppPackage() : {};
  const attrs: Record<string, string> = { ...config.resourceAttributes };
  const serviceName = config.serviceName ?? attrs[ATTR_SERVICE_NAME] ?? pkg.name ?? 'unknown_service:node';
  const version = config.serviceVersion ?? attrs[ATTR_SERVICE_VERSION] ?? pkg.version;
  attrs[ATTR_SERVICE_NAME] = serviceName;
  if (version) attrs[ATTR_SERVICE_VERSION] = version;
  attrs['telemetry.distro.name'] = 'otel-companion';
  attrs['telemetry.distro.version'] = AGENT_VERSION;
  resource = resource.merge(resourceFromAttributes(attrs));
  return resource;
}
