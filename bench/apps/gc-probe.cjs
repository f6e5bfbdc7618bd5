// Preloaded by bench:agent into every app (before the agent): counts young-generation garbage
// collections and answers over IPC, so the bench can tell bytes allocated per request. With the
// semi-space fixed (--min/--max-semi-space-size), each scavenge marks one semi-space of allocation.
const { constants } = require('node:perf_hooks');

let scavenges = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
}).observe({ entryTypes: ['gc'] });
process.on('message', (m) => {
  if (m === 'gc') process.send({ scavenges, rss: process.memoryUsage().rss });
});
// The IPC channel must not keep the app alive on its own.
process.channel?.unref();
