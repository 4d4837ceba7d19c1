/**
 * What the bench runs. The sizes write hundreds of thousands of items into an embedded store that takes
 * a few hundred conditional writes a second on this class of machine, which alone would take longer than the
 * bench's ten minutes; so the write-heavy scenarios run scaled, and each note says how its figure carries to
 * the full size.
 */
export interface BenchPlan {
  ceilingInstances: number;
  throughput: { regions: number; instances: number };
  /** First runs of the throughput account, each into a fresh store: the fastest is the figure, as the best of the ceiling's repeats is the ceiling. */
  throughputRepeats: number;
  criticalPath: { regions: number; instances: number; latencyMs: number };
  memory: {
    /** V8's old space held to what a 256 MB function leaves it (new space, code and buffers take the rest). */
    nodeFlags: string[];
    /** Sizes collected twice (first run, unchanged run) into the stub store, which answers at once. */
    sizes: number[];
  };
  /** The memory size whose first run is the API economy run (the 10,000 instances). */
  economyInstances: number;
  /** The sandbox of the every-service API economy scenario (first and unchanged runs). */
  serviceEconomySpec: string;
  coldStartRepeats: number;
  /** Replays of the unchanged run's pages through the SDK alone; the least CPU is the figure. */
  sdkRepeats: number;
  /** CLI start-up: rounds of every command, and the sandbox account collected into the store `resources` lists. */
  cliStart: { repeats: number; spec: string };
  /** Organization scale: the sandbox organization collected by `run --organization`, and the services collected. */
  organization: { spec: string; services: string[] };
  /** The snapshot export: the records of one sandbox region of this many instances, exported this many times. */
  snapshot: { instances: number; repeats: number; queryResources: number };
  /** Metric events: the sandbox region whose EC2 run's CloudWatch requests are counted and priced. */
  metricCostSpec: string;
  notes: string[];
}

const HEAP_LIMIT = ['--max-old-space-size=128'];

/**
 * A ceiling is the most the store does: noise (the machine is shared) only ever lowers a rate, so each write is
 * measured this many times, each into a fresh store, and the best rate is the ceiling. The throughput scenario
 * repeats its first run as often, so that both sides of the ratio are estimated alike.
 */
export const CEILING_REPEATS = 3;

export function benchPlan(quick: boolean): BenchPlan {
  const plan = quick
    ? { ceilingInstances: 200, throughput: { regions: 4, instances: 150 }, throughputRepeats: 2, criticalPath: { regions: 16, instances: 25, latencyMs: 50 }, memory: { nodeFlags: HEAP_LIMIT, sizes: [300, 600] }, economyInstances: 600, serviceEconomySpec: 'regions=2&instances=20', coldStartRepeats: 2, sdkRepeats: 2, cliStart: { repeats: 3, spec: 'regions=1&instances=10' }, organization: { spec: 'accounts=40&regions=4&latencyMs=50&instances=1', services: ['EC2'] }, snapshot: { instances: 300, repeats: 1, queryResources: 5_000 }, metricCostSpec: 'regions=1&instances=100' }
    : { ceilingInstances: 1000, throughput: { regions: 4, instances: 1000 }, throughputRepeats: CEILING_REPEATS, criticalPath: { regions: 16, instances: 250, latencyMs: 50 }, memory: { nodeFlags: HEAP_LIMIT, sizes: [10_000, 25_000] }, economyInstances: 10_000, serviceEconomySpec: 'regions=2&instances=200', coldStartRepeats: 5, sdkRepeats: CEILING_REPEATS, cliStart: { repeats: 10, spec: 'regions=1&instances=25' }, organization: { spec: 'accounts=200&regions=4&latencyMs=50&instances=1', services: ['EC2'] }, snapshot: { instances: 2000, repeats: 2, queryResources: 100_000 }, metricCostSpec: 'regions=1&instances=1000' };
  const notes = [
    `Throughput: 4 regions × ${plan.throughput.instances.toLocaleString('en-US')} instances instead of 4 × 20,000. The rate is per resource and the run streams, so it does not depend on the size once start-up is amortised; ` +
      'at the full size the run takes (4 × 20,000 × the resources per instance) ÷ that rate. ' +
      `The first run is made ${plan.throughputRepeats} times, each into a fresh store, and the fastest is the figure, as the ceiling is the best of its repeats.`,
    `Steady state: the same account as throughput, collected again unchanged.`,
    `Critical path: ${plan.criticalPath.regions} regions × ${plan.criticalPath.instances.toLocaleString('en-US')} instances, latencyMs=${plan.criticalPath.latencyMs}, instead of × 2,000. ` +
      'The ideal is computed from the calls this plan makes; the first run\'s wall time is the store\'s (writes ÷ ceiling), which grows with the resources exactly as the ideal\'s calls × latency ÷ concurrency term does, so the ratio carries over; the unchanged re-run is bounded by the collector\'s CPU per resource listed, also linear in the size.',
    `Memory: one region at ${plan.memory.sizes.map((n) => n.toLocaleString('en-US')).join(' and ')} instances, collected twice (first run, unchanged re-run) into a stub store that keeps what is written and answers at once ` +
      '(the handler at its own speed; the embedded store takes a few hundred writes a second and could not fill these sizes within the budget), instead of 100,000. ' +
      `The function runs with ${plan.memory.nodeFlags.join(' ')}, the heap a 256 MB function leaves to V8 (without a limit V8 lets garbage pile up to a few hundred MB on a large machine whatever the live data, so the RSS would say more about the heap sizing than about the collector). ` +
      'At 100,000 instances: the largest size\'s peak RSS plus the growth to 100,000 of whichever grows faster over the sizes (least squares), the live memory or the peak RSS itself — ' +
      'what grows with a region is the partitions\' indexes, the ids seen and the events\' ids; pages stream.',
    `API economy: ${plan.economyInstances.toLocaleString('en-US')} instances${plan.economyInstances === 10_000 ? '' : ' (quick mode)'}: the first run of that size above; the sandbox counts the calls, its truth says which instances have no Role tag.`,
    'Cold start: the three bundles at full size.',
    `SDK alone: the pages of the throughput account (${plan.throughput.regions} regions × ${plan.throughput.instances.toLocaleString('en-US')} instances), replayed ${plan.sdkRepeats} times; CPU is per page, so the ratio to the unchanged run's CPU carries to any size.`,
    `Cost model: the ${plan.economyInstances.toLocaleString('en-US')}-instance region of the memory scenario, collected a third time an hour later; its counts per resource scaled to 100,000 resources.`,
    `Snapshot export: the records of one sandbox region of ${plan.snapshot.instances.toLocaleString('en-US')} instances (EC2, about five resources an instance) stored as a first run stores them, exported ${plan.snapshot.repeats} times (the fastest is the figure); ` +
      'the export streams the inventory and encodes row groups as they fill, so time and bytes are per resource and scale linearly: the figures are given per 10,000 resources.',
    `CLI start-up: ${plan.cliStart.repeats} rounds of whole processes; \`resources\` lists a store holding one sandbox region (${plan.cliStart.spec}), the small store of the issue.`,
  ];
  return { ...plan, notes };
}
