import type { TapRule } from '../rule';
import { deprecationDate } from './runtimes';

/** Tag that names the server role (Tap group) a function serves, as on instances. */
const ROLE_TAG = 'Role';

export const deprecatedRuntimeRule: TapRule = {
  name: 'DeprecatedRuntime',
  resourceType: 'Lambda.Function',
  eventClass: 'AWS_LAMBDA',
  evaluate(record) {
    const since = deprecationDate(record.data.runtime);
    if (!since) return [];
    return [{
      severity: 3, typeNames: [{ type: 'ID', name: record.id }], group: record.tags[ROLE_TAG] ?? null,
      text: `MINOR – function ${record.id} runs on ${String(record.data.runtime)}, deprecated since ${since}`,
    }];
  },
  clearText: (typeNames) => `OK – function ${typeNames[0]?.name ?? ''} runs on a supported runtime or is deleted`,
};
