/**
 * What the CDK stack takes from the code it deploys, in one module meant for it: the IAM actions each function's
 * calls need and the EventBridge patterns of the services' change notifications (all derived from the services'
 * declarations), the tables, and the settings and names the functions and the stack must agree on. `lib/` imports
 * `src/` only through this module and `src/dto` (the import-layer lint rule says so).
 */
import { collectIamActions, serviceNames } from './services/registry';
import { probeIamActions } from './plan/get-tasks';
import { realtimeEventPatterns, realtimeIamActions } from './realtime/ingest';
import { ORGANIZATION_IAM_ACTIONS } from './plan/organization-actions';

export { TABLE_ENV, TABLE_IDS, TABLES, type KeyAttribute, type TableId } from './store/tables';
export { DEFAULT_ACCOUNT_CONCURRENCY, DEFAULT_CONCURRENCY } from './lambda/settings';
export * from './lambda/metric-names';
export { parseThresholds, thresholdRuleNames, type Threshold } from './events/threshold';
export { parseMetricThresholds, type MetricThreshold } from './collect/metrics';
export { DEFAULT_HEARTBEAT, parseHeartbeat, type HeartbeatKnobs } from './heartbeat/settings';
export { ALARM, ALARM_CLEARED } from './finalize/alarms';
export { parseRoutes, routeTargets, type Route } from './notify/routes';
export { parseSilences, type Silence } from './notify/silences';
export { parseFlapping, NOTIFY_ENV } from './notify/settings';

/** The IAM actions of each function, from the calls the code declares. */
export function functionIamActions(): { getTasks: string[]; collect: string[]; normalize: string[] } {
  return {
    getTasks: [...probeIamActions(), ...ORGANIZATION_IAM_ACTIONS],
    collect: [...collectIamActions(), 'sts:AssumeRole'],
    normalize: [...realtimeIamActions(), 'sts:GetCallerIdentity', 'sts:AssumeRole'],
  };
}

/**
 * What the member role in every collected account allows: the read calls collection and real-time describes declare
 * (the same derivation as the collector's own policy), without `sts:*` (the member role assumes nothing).
 */
export function memberReadActions(): string[] {
  const { getTasks, collect, normalize } = functionIamActions();
  return [...new Set([...getTasks, ...collect, ...normalize])]
    .filter((action) => !action.startsWith('sts:') && !action.startsWith('organizations:'))
    .sort();
}

export { DEFAULT_MEMBER_ROLE_NAME, EXTERNAL_ID_PATTERN, OU_ID_PATTERN } from './dto/collection-request';
export { realtimeEventPatterns, serviceNames };
export {
  HISTORY_PARTITION, HISTORY_SUFFIX, SNAPSHOT_ENV, SNAPSHOT_STACK_OUTPUTS, SNAPSHOT_TABLES, SQL_TYPES, snapshotPaths, type Column, type SnapshotTable, type SnapshotTableName,
} from './sql/schema';
export { deployableNamedQueries } from './sql/named-queries';
