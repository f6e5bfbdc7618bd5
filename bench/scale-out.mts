// Capacity of the scale-out profile (docs/scale-out.md), measured on the real programs: the native
// scale stack (scripts/stack/native.mts, free ports) under load from sender processes
// (test/stack/fixtures/trace-parts.mjs), once with the gateways' tail sampling off and once on.
//
// Prints, per run:
//   - spans per CPU-second of each gateway and of the agent collector (utime+stime from /proc),
//     i.e. spans/s per core, for spans with the attributes of an instrumented HTTP + pg service;
//   - with tail sampling: traces held in the decision window and the gateway's resident memory
//     above its idle level, per 1,000 traces;
//   - Cassandra: bytes on disk of Jaeger's keyspace after a drain, per stored span (both replicas);
//   - Thanos: head series per receiver.
//
// Run: node bench/scale-out.mts [--traces 20000] [--senders 4]   (after bash scripts/stack/provision.sh)
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify, parseArgs } from 'node:util';
import { makeTestRunDir, removeRunDir, serviceUrl, start, type RunningStack } from '../scripts/stack/native.mts';

const run = promisify(execFile);
const { values } = parseArgs({ options: { traces: { type: 'string', default: '20000' }, senders: { type: 'string', default: '4' } } });
const TRACES = Number(values.traces);
const SENDERS = Number(values.senders);
const SENDER = join(import.meta.dirname, '../test/stack/fixtures/trace-parts.mjs');
const CLK_TCK = 100; // Linux USER_HZ

const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime
};
const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sum of a metric's samples in a Prometheus text exposition. */
async function scrape(url: string, metric: string, filter = ''): Promise<number> {
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(metric) && (l[metric.length] === '{' || l[metric.length] === ' ') && l.includes(filter))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

/** Sends `n` traces (5 spans each, two parts) from `senders` processes per part, as fast as they go. */
async function load(stack: RunningStack, runDir: string, n: number, senders: number, service: string): Promise<number> {
  const per = Math.ceil(n / senders);
  const jobs: Promise<number>[] = [];
  for (let s = 0; s < senders; s++) {
    const file = join(runDir, `bench-${s}-${randomBytes(3).toString('hex')}.txt`);
    writeFileSync(file, Array.from({ length: per }, () => randomBytes(16).toString('hex')).join('\n'));
    for (const part of ['client', 'server']) {
      jobs.push(
        run(process.execPath, [SENDER, '--endpoint', stack.urls.otlpHttp, '--part', part, '--traces', file, '--service', service, '--batch', '100', '--realistic'], {
          maxBuffer: 64 * 1024 * 1024,
        }).then(({ stdout }) => (JSON.parse(stdout.trim().split('\n').at(-1)!) as { spans: number }).spans),
      );
    }
  }
  return (await Promise.all(jobs)).reduce((a, b) => a + b, 0);
}

function du(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, entry) => sum + du(join(path, entry)), 0);
}

async function measure(sampling: 'off' | 'tail'): Promise<void> {
  const runDir = makeTestRunDir();
  const stack = await start({ profile: 'scale', ports: 'free', runDir, healthTimeoutMs: 400_000, env: { ...process.env, OTELCOL_SAMPLING: sampling } });
  try {
    const gateways = ['gateway-1', 'gateway-2'];
    const metricsUrl = (g: string) => `${serviceUrl(stack.plan, g, 8888)}/metrics`;
    const pids = stack.pids();
    await sleep(5000);
    const idle = Object.fromEntries(gateways.map((g) => [g, { cpu: cpuSeconds(pids[g]), rss: rss(pids[g]), spans: 0 }]));
    for (const g of gateways) idle[g].spans = await scrape(metricsUrl(g), 'otelcol_receiver_accepted_spans');
    const agentIdleCpu = cpuSeconds(pids['otel-agent']);
    const idleCpu = Object.fromEntries(['jaeger-1', 'jaeger-2', 'cassandra-1', 'cassandra-2'].map((n) => [n, cpuSeconds(pids[n])]));

    let peakTraces = 0;
    const peakRss: Record<string, number> = Object.fromEntries(gateways.map((g) => [g, 0]));
    const heldAtPeak: Record<string, number> = Object.fromEntries(gateways.map((g) => [g, 0]));
    let sampling_ = true;
    const sampler = (async () => {
      while (sampling_) {
        for (const g of gateways) {
          const held = sampling === 'tail' ? await scrape(metricsUrl(g), 'otelcol_processor_tail_sampling_sampling_traces_on_memory') : 0;
          const r = rss(pids[g]);
          if (r > peakRss[g]) {
            peakRss[g] = r;
            heldAtPeak[g] = held;
          }
          peakTraces = Math.max(peakTraces, held);
        }
        await sleep(500);
      }
    })();

    const t0 = performance.now();
    const sent = await load(stack, runDir, TRACES, SENDERS, `bench-${sampling}`);
    const seconds = (performance.now() - t0) / 1000;
    // Every span received by the gateways (the agent collector may still be sending its queue).
    const deadline = Date.now() + 180_000;
    let received = 0;
    while (Date.now() < deadline) {
      received = 0;
      for (const g of gateways) received += (await scrape(metricsUrl(g), 'otelcol_receiver_accepted_spans')) - idle[g].spans;
      if (received >= sent) break;
      await sleep(1000);
    }
    if (sampling === 'off') {
      // Every span written by Jaeger to Cassandra, so the storage tier's CPU time is complete.
      const jaegerMetrics = ['jaeger-1', 'jaeger-2'].map((j) => `${serviceUrl(stack.plan, j, 8888)}/metrics`);
      while (Date.now() < deadline) {
        let written = 0;
        for (const url of jaegerMetrics) written += await scrape(url, 'otelcol_exporter_sent_spans', 'jaeger_storage_exporter');
        if (written >= sent) break;
        await sleep(1000);
      }
    }
    await sleep(sampling === 'tail' ? 12_000 : 2000); // decisions made, queues drained
    sampling_ = false;
    await sampler;

    console.log(`\n== gateways with tail sampling ${sampling}: ${sent} spans sent in ${seconds.toFixed(1)} s by ${SENDERS * 2} processes (${(sent / seconds).toFixed(0)} spans/s offered)`);
    for (const g of gateways) {
      const spans = (await scrape(metricsUrl(g), 'otelcol_receiver_accepted_spans')) - idle[g].spans;
      const cpu = cpuSeconds(pids[g]) - idle[g].cpu;
      console.log(`${g}: ${spans} spans, ${cpu.toFixed(1)} CPU s -> ${(spans / cpu).toFixed(0)} spans per CPU-second (per core)`);
      if (sampling === 'tail' && heldAtPeak[g] > 0) {
        const perK = ((peakRss[g] - idle[g].rss) / heldAtPeak[g]) * 1000;
        console.log(`${g}: ${heldAtPeak[g]} traces in the decision window at peak RSS ${(peakRss[g] / 2 ** 20).toFixed(0)} MiB (idle ${(idle[g].rss / 2 ** 20).toFixed(0)} MiB) -> ${(perK / 2 ** 20).toFixed(2)} MiB per 1,000 traces of 5 spans`);
      }
    }
    for (const group of [['jaeger-1', 'jaeger-2'], ['cassandra-1', 'cassandra-2']]) {
      const cpu = group.reduce((sum, name) => sum + cpuSeconds(pids[name]) - idleCpu[name], 0);
      if (sampling === 'off') console.log(`${group.join(' + ')}: ${cpu.toFixed(1)} CPU s for ${sent} spans stored -> ${(sent / cpu).toFixed(0)} spans per CPU-second`);
    }
    const agentCpu = cpuSeconds(pids['otel-agent']) - agentIdleCpu;
    console.log(`agent collector: ${sent} spans, ${agentCpu.toFixed(1)} CPU s -> ${(sent / agentCpu).toFixed(0)} spans per CPU-second (redaction + load balancing)`);

    for (const r of ['thanos-receive-1', 'thanos-receive-2']) {
      const series = await scrape(`${serviceUrl(stack.plan, r, 10902)}/metrics`, 'prometheus_tsdb_head_series');
      console.log(`${r}: ${series} head series, resident memory ${(rss(pids[r]) / 2 ** 20).toFixed(0)} MiB`);
    }

    if (sampling === 'off') {
      // Drain Cassandra (a graceful stop flushes memtables to SSTables), then size Jaeger's keyspace.
      await stack.stopService('jaeger-1');
      await stack.stopService('jaeger-2');
      let bytes = 0;
      for (const node of ['cassandra-1', 'cassandra-2']) {
        // SIGTERM drains the node (memtables flushed to SSTables); give it the time it needs.
        await stack.stopService(node, 180_000);
        const log = readFileSync(join(stack.plan.runDir, 'logs', `${node}.log`), 'utf8');
        if (!/Cassandra shutdown complete/.test(log)) throw new Error(`${node} did not finish its drain before it stopped; see its log`);
        const data = join(stack.plan.services.find((s) => s.name === node)!.volumes[`${node}-data`], 'data');
        const keyspace = readdirSync(data).find((d) => d === 'jaeger_traces');
        const size = keyspace ? du(join(data, keyspace)) : 0;
        console.log(`${node}: ${(size / 2 ** 20).toFixed(1)} MiB in keyspace jaeger_traces`);
        bytes += size;
      }
      console.log(`Cassandra: ${(bytes / sent).toFixed(0)} bytes per span on disk (both replicas; ${(bytes / sent / 2).toFixed(0)} per replica), ${sent} spans stored`);
    }
  } finally {
    await stack.stop();
    removeRunDir(runDir);
  }
}

console.log(`scale-out capacity on ${cpus().length} cores (${cpus()[0]?.model}), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await measure('off');
await measure('tail');
console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
