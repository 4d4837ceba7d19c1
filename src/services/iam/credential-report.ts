import {
  GenerateCredentialReportCommand, GetCredentialReportCommand, type IAMClient,
} from '@aws-sdk/client-iam';
import type { AwsClients } from '../../aws/clients';
import { markUnknown, type CollectContext, type Enrichment, type ResourceRecord } from '../resource-type';
import { isoTime } from '../record-values';
import { IAM_CLIENT, errorCode, errorMessage, isThrottling } from './calls';

/** The user fields the credential report sets. */
export const CREDENTIAL_FIELDS = [
  'password_enabled', 'password_last_used', 'password_last_changed', 'mfa_active',
  'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_1_last_used_region', 'access_key_1_last_used_service',
  'access_key_2_active', 'access_key_2_last_rotated', 'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service',
  'credential_report_time',
] as const;

/** The report's columns that are flags; the others are times or names. */
const FLAG_COLUMNS = new Set(['password_enabled', 'mfa_active', 'access_key_1_active', 'access_key_2_active']);
const TIME_COLUMN = /_(last_used|last_changed|last_rotated|last_used_date)$/;
/** Cells that mean "no value": never used, not applicable, not supported (the root user's password). */
const NO_VALUE = new Set(['N/A', 'no_information', 'not_supported', '']);

/** How long GenerateCredentialReport is polled while IAM builds the report (seconds for most accounts). */
export const REPORT_POLLING = { attempts: 15, intervalMs: 1000 };
/** A report read for one listing serves its other pages (and a refresh right after), not the next run. */
const REPORT_REUSE_MS = 10 * 60_000;

export interface CredentialReport {
  /** When IAM generated the report: the time the keys' ages are measured at. */
  generatedTime: string | null;
  /** Rows by user name, cells by column name. */
  rows: Map<string, Record<string, string>>;
}

/**
 * Password, MFA and access key facts of every user come in one report (GenerateCredentialReport, then
 * GetCredentialReport): one or two calls per listing instead of four calls per user. A denied or unfinished
 * report marks the fields unknown and warns; the users are still stored.
 */
export const credentialReportEnrichment: Enrichment = {
  actions: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport'],
  apply: applyCredentialReport,
};

class ReportCallError extends Error {
  constructor(readonly call: string, override readonly cause: unknown) {
    super(errorMessage(cause));
  }
}

const reports = new WeakMap<AwsClients, { at: number; report: Promise<CredentialReport> }>();

async function applyCredentialReport(records: ResourceRecord[], context: CollectContext): Promise<void> {
  if (records.length === 0) return;
  let report: CredentialReport;
  try {
    report = await reportFor(context.clients);
  } catch (error) {
    const cause = error instanceof ReportCallError ? error.cause : error;
    if (isThrottling(cause)) throw cause;
    for (const record of records) markUnknown(record, CREDENTIAL_FIELDS);
    const call = error instanceof ReportCallError ? error.call : 'iam:GetCredentialReport';
    context.warn?.({ call, code: errorCode(cause), message: errorMessage(cause), records: records.length });
    return;
  }
  for (const record of records) {
    const row = report.rows.get(record.id);
    // A user created after the report was generated is not in it yet: its facts are unknown, not absent.
    if (row) applyCredentialRow(record, row, report.generatedTime);
    else markUnknown(record, CREDENTIAL_FIELDS);
  }
}

function reportFor(clients: AwsClients): Promise<CredentialReport> {
  const cached = reports.get(clients);
  if (cached && Date.now() - cached.at < REPORT_REUSE_MS) return cached.report;
  const report = readCredentialReport(clients.get<IAMClient>(IAM_CLIENT));
  reports.set(clients, { at: Date.now(), report });
  report.catch(() => reports.delete(clients));
  return report;
}

/** Asks IAM for a fresh report (it reuses one younger than four hours), waits until it is complete, and reads it. */
export async function readCredentialReport(iam: IAMClient, polling = REPORT_POLLING): Promise<CredentialReport> {
  for (let attempt = 1; ; attempt++) {
    const state = await send('iam:GenerateCredentialReport', () => iam.send(new GenerateCredentialReportCommand({})));
    if (state.State === 'COMPLETE') break;
    if (attempt >= polling.attempts) {
      const error = Object.assign(new Error(`the credential report was still ${state.State ?? 'not ready'} after ${attempt} requests; it is read again next run`), { name: 'ReportInProgress' });
      throw new ReportCallError('iam:GenerateCredentialReport', error);
    }
    await new Promise((resolve) => setTimeout(resolve, polling.intervalMs));
  }
  const output = await send('iam:GetCredentialReport', () => iam.send(new GetCredentialReportCommand({})));
  const text = output.Content ? Buffer.from(output.Content).toString('utf8') : '';
  return { generatedTime: output.GeneratedTime ? output.GeneratedTime.toISOString() : null, rows: reportRows(text) };
}

async function send<T>(call: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new ReportCallError(call, error);
  }
}

/** The report's CSV rows by user name (the root account's row is not a user). */
export function reportRows(csv: string): Map<string, Record<string, string>> {
  const [header, ...lines] = csvRows(csv);
  const rows = new Map<string, Record<string, string>>();
  if (!header) return rows;
  for (const cells of lines) {
    const row: Record<string, string> = {};
    header.forEach((column, index) => { row[column] = cells[index] ?? ''; });
    if (row.user && row.user !== '<root_account>') rows.set(row.user, row);
  }
  return rows;
}

/** RFC 4180 rows (IAM user names may contain commas, which a quoted cell carries). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (char === '"') quoted = false; else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') { row.push(cell); cell = ''; } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      if (row.some((value) => value !== '')) rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  row.push(cell);
  if (row.some((value) => value !== '')) rows.push(row);
  return rows;
}

export function applyCredentialRow(record: ResourceRecord, row: Record<string, string>, generatedTime: string | null): void {
  for (const field of CREDENTIAL_FIELDS) {
    if (field === 'credential_report_time') continue;
    const cell = row[field] ?? '';
    if (NO_VALUE.has(cell)) record.data[field] = null;
    else if (FLAG_COLUMNS.has(field)) record.data[field] = cell === 'true';
    else record.data[field] = TIME_COLUMN.test(field) ? isoTime(cell) : cell;
  }
  record.data.credential_report_time = generatedTime;
}
