// Runs the bundled collect Lambda once, in this fresh process, as the Lambda runtime would: plain Node, no
// TypeScript loader, the handler called with one Task. Reports the kernel's peak RSS (VmHWM) and, when asked
// (with --expose-gc), the largest live memory (the heap and the ArrayBuffers outside it that a full GC left)
// and a sampling heap profile of it.
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { pathToFileURL } from 'node:url';

const [bundle, taskJson, heapProfile, countOutput] = process.argv.slice(2);

// What the function writes (its log lines and metrics, which CloudWatch Logs would ingest), counted and not shown.
let outputBytes = 0;
if (countOutput === 'count-output') {
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = (chunk, encoding, callback) => {
      outputBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk.length;
      const done = typeof encoding === 'function' ? encoding : callback;
      if (done) process.nextTick(done);
      return true;
    };
  }
}
const vmHwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

async function main() {
  const { handler } = await import(pathToFileURL(bundle).href);
  const rssAfterImport = process.memoryUsage().rss;
  // Live memory (what a full GC keeps, on the heap and outside it: typed arrays' and Buffers' memory is RSS too)
  // is measured every second; the sampling heap profile taken when it was largest says what held the heap, by
  // allocation site.
  let session;
  let liveHeapMax = 0;
  let peakProfile;
  let sampling = Promise.resolve();
  let timer;
  if (heapProfile === 'heap-profile') {
    session = new Session();
    session.connect();
    await session.post('HeapProfiler.startSampling', { samplingInterval: 64 * 1024 });
    timer = setInterval(() => {
      sampling = sampling.then(async () => {
        globalThis.gc();
        const { heapUsed, external } = process.memoryUsage();
        const live = heapUsed + external;
        if (live <= liveHeapMax) return;
        liveHeapMax = live;
        peakProfile = (await session.post('HeapProfiler.getSamplingProfile')).profile;
      });
    }, 1000);
  }
  // The largest value of each part of the process's memory, sampled while the handler runs.
  const largest = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampleMemory = () => {
    const now = process.memoryUsage();
    for (const key of Object.keys(largest)) largest[key] = Math.max(largest[key], now[key]);
  };
  const sampler = setInterval(sampleMemory, 50);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await handler(JSON.parse(taskJson));
  const durationMs = Math.round(performance.now() - started);
  const used = process.cpuUsage(cpu);
  clearInterval(timer);
  clearInterval(sampler);
  sampleMemory();
  await sampling;
  process.send({
    type: 'done', result, durationMs, cpuMs: Math.round((used.user + used.system) / 1000), peakRss: vmHwm(), rssAfterImport,
    largest, ...(peakProfile ? { liveHeapMax, heapProfile: peakProfile } : {}), ...(countOutput === 'count-output' ? { outputBytes } : {}),
  });
}

main().then(() => process.disconnect(), (error) => {
  process.send({ type: 'error', error: error?.stack ?? String(error) });
  process.disconnect();
  process.exitCode = 1;
});
