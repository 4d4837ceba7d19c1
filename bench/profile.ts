import { Session } from 'node:inspector/promises';
import { REPO_ROOT } from './processes';

/** Where CPU time went, by component, from a sampled CPU profile of the run itself. */
export interface CpuBreakdown {
  totalMs: number;
  components: { name: string; ms: number; share: number }[];
  /** Functions with the most self time. */
  hottest: { name: string; ms: number; share: number }[];
}

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A sampled node's synchronous stack, its own frame first, then its callers' up to the root. */
export function stackFrames(profile: Pick<CpuProfile, 'nodes'>): (id: number) => ProfileNode['callFrame'][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  return (id) => {
    const frames: ProfileNode['callFrame'][] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame) frames.push(frame);
    }
    return frames;
  };
}

/**
 * Components, first match wins, looking at the whole synchronous stack of each sample: the store server is
 * matched before the SDK so that dynalite's request handling (which V8 sees below Node's HTTP server) counts
 * as the store, and the collector's own code last so that SDK work it calls counts as the SDK.
 */
const COMPONENTS: [string, RegExp][] = [
  ['store server: dynalite + LevelDB', /node_modules\/(dynalite|classic-level|abstract-level|level-|levelup|lazy|big\.js|lock|subleveldown|encoding-down|deferred-leveldown)/],
  ['sandbox (the AWS stand-in)', /\/local\/sandbox\//],
  ['SDK: XML parsing of EC2 responses', /node_modules\/(@aws-sdk\/xml-builder|fast-xml-parser|strnum)/],
  ['SDK: DynamoDB document marshalling', /node_modules\/@aws-sdk\/(lib-dynamodb|util-dynamodb|dynamodb-codec)/],
  ['SDK: request signing', /node_modules\/@smithy\/signature-v4/],
  ['call trace middleware', /\/src\/aws\/(call-trace|clients|traced-client)/],
  ['change hash (canonical JSON + sha256)', /\/src\/store\/canonical/],
  ['store client: the SDK\'s DynamoDB marshalling, signing, HTTP', /@aws-sdk\/(lib-dynamodb|util-dynamodb|client-dynamodb)\//],
  ['Step Functions interpreter', /node_modules\/(aws-local-stepfunctions|jsonpath)/],
  ['module loading / transpiling', /node_modules\/(tsx|esbuild|cjs-module-lexer)|\(wrapSafe\)|compileFunction/],
  ['SDK: middleware, serde, retries', /node_modules\/(@smithy|@aws-sdk)/],
  ['collector: list, preprocess, rules, sync', /\/src\/(collect|services|events|plan|dto)\//],
  ['store client code', /\/src\/store\//],
  ['Node HTTP and sockets', /node:_http|node:net|node:internal\/(stream|http|streams)/],
];

const SPECIAL = new Set(['(garbage collector)', '(idle)', '(program)']);

/** Starts sampling this process's CPU; `stop` returns the breakdown. */
export async function startCpuProfile(intervalUs = 1000): Promise<{ stop(): Promise<CpuBreakdown> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      return breakdown(profile as unknown as CpuProfile);
    },
  };
}

export function breakdown(profile: CpuProfile): CpuBreakdown {
  const stackOf = stackFrames(profile);
  const timeById = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    timeById.set(id, (timeById.get(id) ?? 0) + dt);
    total += dt;
  });
  const components = new Map<string, number>();
  const hottest = new Map<string, number>();
  for (const [id, time] of timeById) {
    const frames = stackOf(id);
    const frame = frames[0];
    if (!frame) continue;
    hottest.set(label(frame), (hottest.get(label(frame)) ?? 0) + time);
    let component = SPECIAL.has(frame.functionName) ? frame.functionName : undefined;
    if (!component) {
      const stack = frames.map((f) => `${f.url} (${f.functionName})`);
      component = COMPONENTS.find(([, pattern]) => stack.some((f) => pattern.test(f)))?.[0] ?? 'other (Node internals, promises, timers)';
    }
    components.set(component, (components.get(component) ?? 0) + time);
  }
  const rank = (map: Map<string, number>, limit: number) => [...map]
    .sort((a, b) => b[1] - a[1]).slice(0, limit)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: total > 0 ? us / total : 0 }));
  return { totalMs: Math.round(total / 1000), components: rank(components, 14), hottest: rank(hottest, 12) };
}

function label(frame: ProfileNode['callFrame']): string {
  const where = frame.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '').replace(REPO_ROOT, '');
  return `${frame.functionName || '(anonymous)'} ${where ? `${where}:${frame.lineNumber + 1}` : ''}`.trim();
}

/** Live memory by where it was allocated, from a sampling heap profile taken when the heap was largest. */
export interface HeapBreakdown {
  sampledBytes: number;
  components: { name: string; bytes: number; share: number }[];
  sites: { name: string; bytes: number; share: number }[];
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Where a (minified, bundled) frame came from: its original source file and function, through the bundle's source map. */
export type FrameResolver = (frame: HeapNode['callFrame']) => { source: string; name: string };

export function heapBreakdown(profile: { head: HeapNode }, resolve: FrameResolver): HeapBreakdown {
  const components = new Map<string, number>();
  const sites = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, stack: string[]) => {
    const here = resolve(node.callFrame);
    const path = [...stack, `${here.source} (${here.name})`];
    if (node.selfSize > 0) {
      total += node.selfSize;
      const component = COMPONENTS.find(([, pattern]) => path.some((f) => pattern.test(f)))?.[0] ?? 'other (Node internals)';
      components.set(component, (components.get(component) ?? 0) + node.selfSize);
      const site = `${here.name || '(anonymous)'} ${here.source.replace(/^(\.\.\/)+/, '/').replace(REPO_ROOT, '').replace(/.*node_modules\//, '')}`;
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, path);
  };
  walk(profile.head, []);
  const rank = (map: Map<string, number>, limit: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)
    .map(([name, bytes]) => ({ name, bytes, share: total > 0 ? bytes / total : 0 }));
  return { sampledBytes: total, components: rank(components, 10), sites: rank(sites, 12) };
}
