import type { NotificationCounts, RunSummary, SnapshotOutcome } from '../src/dto/run-summary';

/** A plain text table: a header row, a rule, the rows; columns as wide as their widest cell. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

export function formatRunSummary(summary: RunSummary): string {
  const { tasks, resources: r, events: e } = summary;
  const unreachable = summary.accountsUnreachable ?? 0;
  const outcome = summary.status === 'succeeded' ? 'succeeded'
    : tasks.failed > 0 ? 'completed with failed tasks'
      : `completed, but ${unreachable} account${unreachable === 1 ? '' : 's'} could not be reached`;
  const lines = [
    `Run ${summary.runId} ${outcome} in ${formatDuration(summary.durationMs)}`,
    `  tasks      ${tasks.total} total, ${tasks.succeeded} succeeded, ${tasks.failed} failed, ${tasks.skipped} skipped`,
    `  resources  ${r.seen} seen, ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.deleted} deleted`,
    `  events     ${e.opened} opened, ${e.recurred} recurred, ${e.cleared} cleared`,
    `  cost       ${summary.writes} DynamoDB items written, ${summary.apiCalls} AWS calls`,
    ...(summary.metrics ? [`  metrics    ${summary.metrics.requested} requested in ${summary.metrics.calls} GetMetricData call${summary.metrics.calls === 1 ? '' : 's'} `
      + `($${summary.metrics.costUsd.toFixed(4)}), ${summary.metrics.evaluated} values evaluated, ${summary.metrics.ok} within threshold`] : []),
    ...(summary.notifications && hasNotifications(summary.notifications) ? [`  ${formatNotifications(summary.notifications)}`] : []),
    ...(summary.snapshot ? [`  ${formatSnapshot(summary.snapshot)}`] : []),
  ];
  const a = summary.accounts;
  // Beyond one account: how each fared, what failed across them, and which took longest.
  if (a && a.total > 1) {
    lines.splice(2, 0, `  accounts   ${a.total} total, ${a.succeeded} succeeded, ${a.partial} with failed tasks, ${a.unreachable} unreachable, ${a.failed} not finished, ${a.inactive} inactive (not collected)`);
    if (summary.failuresByCode && summary.failuresByCode.length > 0) {
      lines.push('', 'Failures by error, across accounts:', table(['error', 'failures', 'accounts'], summary.failuresByCode.map((f) => [f.code, f.failures, f.accounts])));
    }
    if (summary.slowestAccounts && summary.slowestAccounts.length > 0) {
      lines.push('', `Slowest accounts: ${summary.slowestAccounts.map((s) => `${s.accountId} ${formatDuration(s.durationMs)} (${s.tasks} tasks)`).join(', ')}`);
    }
  }
  lines.push(...formatFailures(summary));
  if (summary.alarms && summary.alarms.length > 0) {
    lines.push('', 'Alarms (threshold transitions of this run):', table(
      ['alarm', 'threshold', 'sev', 'group', 'text'],
      summary.alarms.map((a) => [a.detailType, a.threshold, a.severity, a.group ?? '', a.text]),
    ));
  }
  if (summary.warnings && summary.warnings.length > 0) {
    lines.push('', 'Warnings (calls that failed without failing their listing: the records are stored, these fields unknown):', table(
      ['account', 'region', 'type', 'call', 'code', 'records', 'message'],
      summary.warnings.map((w) => [w.account, w.region, w.type, w.call, w.code, w.records, w.message]),
    ));
    if (summary.warningsOmitted) lines.push(`… and ${summary.warningsOmitted} more warnings`);
  }
  for (const note of summary.notes ?? []) lines.push('', `Note: ${note}`);
  if (summary.skipped.length > 0) {
    lines.push('', 'Skipped:', table(['account', 'region', 'reason'], summary.skipped.map((s) => [s.accountId, s.region ?? '', s.reason])));
    if (summary.skippedOmitted) lines.push(`… and ${summary.skippedOmitted} more skipped targets (the summary lists the first ${summary.skipped.length})`);
  }
  return lines.join('\n');
}

function hasNotifications(n: NotificationCounts): boolean {
  return n.sent + n.held + n.silenced + n.flapping + n.failed > 0 || n.deferred;
}

/** What the run's notifier did, in one line: `notified  2 notifications (400 alerts), 3 held, 1 silenced, 0 flapping`. */
export function formatNotifications(n: NotificationCounts): string {
  const parts = [`${n.sent} notification${n.sent === 1 ? '' : 's'} (${n.alerts} alert${n.alerts === 1 ? '' : 's'})`, `${n.held} held`, `${n.silenced} silenced`, `${n.flapping} flapping`];
  if (n.failed > 0) parts.push(`${n.failed} FAILED (${(n.errors ?? []).join('; ') || 'see the run summary'})`);
  if (n.deferred) parts.push('more waiting for the next run');
  return `notified   ${parts.join(', ')}`;
}

/** The run's snapshot export in one line: `snapshot: 8 tables, 12,345 rows, 1.2 MB → <location> in 0.4 s`, or why not. */
export function formatSnapshot(snapshot: SnapshotOutcome): string {
  if (snapshot.status === 'disabled') return 'snapshot   not exported: no CLOUDTAP_SNAPSHOT_BUCKET or CLOUDTAP_SNAPSHOT_DIR configured';
  if (snapshot.status === 'failed') {
    const message = snapshot.error ? lambdaErrorMessage(snapshot.error.message) : 'unknown error';
    return `snapshot   FAILED (${snapshot.error?.code ?? 'Error'}): ${message}`;
  }
  const tables = Object.values(snapshot.tables);
  const rows = tables.reduce((sum, t) => sum + t.rows, 0);
  const bytes = tables.reduce((sum, t) => sum + t.bytes, 0);
  const took = snapshot.durationMs !== undefined ? ` in ${formatDuration(snapshot.durationMs)}` : '';
  return `snapshot   ${tables.length} tables, ${rows.toLocaleString('en-US')} rows, ${formatBytes(bytes)} → ${snapshot.location ?? '?'}${took}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** Step Functions' Cause of a Lambda failure is Lambda's JSON (`{"errorType", "errorMessage"}`): its message. */
function lambdaErrorMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

/**
 * Every failure when the summary holds them all (the common case: a few); otherwise the failures grouped by
 * account and error, and where the full list is.
 */
export function formatFailures(summary: RunSummary): string[] {
  const count = summary.failureCount ?? summary.failures.length;
  if (count === 0) return [];
  if (summary.failures.length >= count || !summary.failureGroups) {
    return ['', 'Failed tasks:', table(
      ['account', 'region', 'service', 'type', 'error', 'message'],
      summary.failures.map((f) => [f.account, f.region, f.service ?? '', f.type ?? '', f.code, f.message]),
    )];
  }
  const lines = ['', `Failed tasks: ${count} failures in ${summary.tasks.failed} tasks, by account and error:`, table(
    ['account', 'error', 'failures', 'tasks', 'regions', 'e.g. task', 'message'],
    summary.failureGroups.map((g) => [g.account, g.code, g.failures, g.tasks, g.regions, g.taskIds[0] ?? '', g.message]),
  )];
  const omitted = summary.failureGroupsOmitted;
  if (omitted) lines.push(`… and ${omitted.failures} failures in ${omitted.groups} more account/error groups`);
  lines.push(`Every failure, task by task: cloudtap trace ${summary.runId} --failures`);
  return lines;
}
