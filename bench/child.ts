/** Runs one scenario in this fresh process (its own heap, JIT and peak RSS) and sends the result to the bench. */
import { cliStart } from './scenarios/cli-start';
import { coldStart } from './scenarios/cold-start';
import { collectAlone } from './scenarios/collect-alone';
import { criticalPath } from './scenarios/critical-path';
import { sdkAlone } from './scenarios/sdk-alone';
import { storeCeiling } from './scenarios/store-ceiling';
import { throughput } from './scenarios/throughput';
import { serviceEconomy } from './scenarios/service-economy';
import { organization } from './scenarios/organization';
import { snapshot } from './scenarios/snapshot';
import { metricCost } from './scenarios/metric-cost';

const SCENARIOS = { storeCeiling, throughput, sdkAlone, criticalPath, collectAlone, coldStart, cliStart, serviceEconomy, organization, snapshot, metricCost } as const;
export type ScenarioName = keyof typeof SCENARIOS;

const [name, params] = process.argv.slice(2);

function reply(message: object): Promise<void> {
  return new Promise((resolve) => process.send?.(message, () => resolve()) ?? resolve());
}

try {
  const scenario = SCENARIOS[name as ScenarioName] as (params: unknown) => Promise<unknown>;
  if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  await reply({ type: 'result', result: await scenario(JSON.parse(params ?? '{}')) });
  process.exit(0);
} catch (error) {
  await reply({ type: 'error', error: (error as Error).stack ?? String(error) });
  process.exit(1);
}
