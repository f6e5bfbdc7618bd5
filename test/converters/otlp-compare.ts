import { anyToJson } from '../../converters/any-value';
import { sameJson } from '../../converters/mapping';
import type { ExportTraceServiceRequest, KeyValue, OtlpSpan } from '../../converters/otlp-types';

/** Flattened view of OTLP spans for the OTLP → scheme → OTLP comparison. */
export interface Flat {
  span: OtlpSpan;
  resource: Record<string, unknown>;
  scope: string;
  children: Flat[];
}

export function attributeMap(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = anyToJson(kv.value);
  return out;
}

export function flatten(req: ExportTraceServiceRequest): Map<string, Flat[]> {
  const traces = new Map<string, Flat[]>();
  for (const rs of req.resourceSpans ?? []) {
    const resource = attributeMap(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        const list = traces.get(span.traceId) ?? [];
        list.push({ span, resource, scope: ss.scope?.name ?? '', children: [] });
        traces.set(span.traceId, list);
      }
    }
  }
  return traces;
}

const ms = (ns: string | number) => Math.floor(Number(BigInt(String(ns)) / 1_000_000n));

/** Roots and children sorted by start (stable), as the converters order them. */
export function tree(spans: Flat[]): Flat[] {
  const byId = new Map(spans.map((f) => [f.span.spanId, f]));
  const roots: Flat[] = [];
  for (const f of spans) {
    const parent = f.span.parentSpanId ? byId.get(f.span.parentSpanId) : undefined;
    if (parent) parent.children.push(f); else roots.push(f);
  }
  const byStart = (a: Flat, b: Flat) => Number(BigInt(String(a.span.startTimeUnixNano)) - BigInt(String(b.span.startTimeUnixNano)));
  for (const f of spans) f.children.sort(byStart);
  return roots.sort(byStart);
}

/**
 * Differences between an original request and its OTLP → scheme → OTLP round trip, beyond the
 * losses that docs/scheme-mapping.md lists. Empty when the promise holds.
 */
export function roundTripDifferences(original: ExportTraceServiceRequest, back: ExportTraceServiceRequest): string[] {
  const diffs: string[] = [];
  const a = flatten(original), b = flatten(back);
  if (!sameJson([...a.keys()].sort(), [...b.keys()].sort())) diffs.push(`trace ids differ: ${[...a.keys()]} vs ${[...b.keys()]}`);
  for (const [traceId, spansA] of a) {
    const spansB = b.get(traceId) ?? [];
    if (spansA.length !== spansB.length) diffs.push(`${traceId}: span count ${spansA.length} → ${spansB.length}`);
    const stack: Array<[Flat[], Flat[], string]> = [[tree(spansA), tree(spansB), traceId]];
    while (stack.length > 0) {
      const [la, lb, where] = stack.pop()!;
      if (la.length !== lb.length) { diffs.push(`${where}: ${la.length} children → ${lb.length}`); continue; }
      for (let i = 0; i < la.length; i++) {
        const x = la[i].span, y = lb[i].span;
        const at = `${where}/${x.name}`;
        if (x.name !== y.name) diffs.push(`${at}: name → ${y.name}`);
        if ((x.kind ?? 0) !== (y.kind ?? 0)) diffs.push(`${at}: kind ${x.kind} → ${y.kind}`);
        if (ms(x.startTimeUnixNano) !== ms(y.startTimeUnixNano)) diffs.push(`${at}: start ms`);
        if (ms(x.endTimeUnixNano) !== ms(y.endTimeUnixNano)) diffs.push(`${at}: end ms`);
        if ((x.status?.code ?? 0) !== (y.status?.code ?? 0) || (x.status?.message ?? '') !== (y.status?.message ?? '')) diffs.push(`${at}: status ${JSON.stringify(x.status)} → ${JSON.stringify(y.status)}`);
        diffs.push(...attributeDiffs(at, x.attributes, y.attributes));
        // Span events come back in time order (the scheme sorts events by time).
        const ea = [...(x.events ?? [])].sort((p, q) => (BigInt(String(p.timeUnixNano)) < BigInt(String(q.timeUnixNano)) ? -1 : BigInt(String(p.timeUnixNano)) > BigInt(String(q.timeUnixNano)) ? 1 : 0));
        const eb = y.events ?? [];
        if (ea.length !== eb.length) diffs.push(`${at}: ${ea.length} span events → ${eb.length}`);
        else for (let j = 0; j < ea.length; j++) {
          if (ea[j].name !== eb[j].name) diffs.push(`${at}#${j}: event name ${ea[j].name} → ${eb[j].name}`);
          if (ms(ea[j].timeUnixNano) !== ms(eb[j].timeUnixNano)) diffs.push(`${at}#${j}: event time`);
          diffs.push(...attributeDiffs(`${at}#${j}`, ea[j].attributes, eb[j].attributes));
        }
        stack.push([la[i].children, lb[i].children, at]);
      }
    }
  }
  return diffs;
}

/** Every original attribute kept with its value; additions only in the wdp.* namespace. */
function attributeDiffs(at: string, a: KeyValue[] | undefined, b: KeyValue[] | undefined): string[] {
  const out: string[] = [];
  const ma = attributeMap(a), mb = attributeMap(b);
  for (const k of Object.keys(ma)) {
    if (!(k in mb)) out.push(`${at}: attribute ${k} lost`);
    else if (!sameJson(ma[k], mb[k])) out.push(`${at}: attribute ${k} ${JSON.stringify(ma[k])} → ${JSON.stringify(mb[k])}`);
  }
  for (const k of Object.keys(mb)) if (!(k in ma) && !k.startsWith('wdp.')) out.push(`${at}: attribute ${k} added`);
  return out;
}
