import type { RunSummary } from '../src/dto/run-summary';

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
  const lines = [
    `Run ${summary.runId} ${summary.status === 'succeeded' ? 'succeeded' : 'completed with failed tasks'} in ${formatDuration(summary.durationMs)}`,
    `  tasks      ${tasks.total} total, ${tasks.succeeded} succeeded, ${tasks.failed} failed, ${tasks.skipped} skipped`,
    `  resources  ${r.seen} seen, ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.deleted} deleted`,
    `  events     ${e.opened} opened, ${e.recurred} recurred, ${e.cleared} cleared`,
    `  cost       ${summary.writes} DynamoDB items written, ${summary.apiCalls} AWS calls`,
  ];
  if (summary.failures.length > 0) {
    lines.push('', 'Failed tasks:', table(
      ['account', 'region', 'service', 'type', 'error', 'message'],
      summary.failures.map((f) => [f.account, f.region, f.service ?? '', f.type ?? '', f.code, f.message]),
    ));
  }
  if (summary.alarms && summary.alarms.length > 0) {
    lines.push('', 'Alarms (threshold transitions of this run):', table(
      ['alarm', 'threshold', 'sev', 'group', 'text'],
      summary.alarms.map((a) => [a.detailType, a.threshold, a.severity, a.group ?? '', a.text]),
    ));
  }
  for (const note of summary.notes ?? []) lines.push('', `Note: ${note}`);
  if (summary.skipped.length > 0) {
    lines.push('', 'Skipped:', table(['account', 'region', 'reason'], summary.skipped.map((s) => [s.accountId, s.region ?? '', s.reason])));
  }
  return lines.join('\n');
}
