import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseCommandArgs } from '../args';
import { openStoreFromFlags, storeHelp, STORE_FLAGS } from '../store-flags';
import { UsageError } from '../errors';
import { loadReportData } from '../report/report-data';
import { renderReportPage } from '../report/page';
import { reportConfigCommand } from './report-config';

export const REPORT_HELP = `Usage: cloudtap report --html <file> [--stack NAME [--region R] [--profile P] | --data-dir DIR]
       cloudtap report config [--at <ISO time>] [--json] [--stack NAME … | --data-dir DIR]

  --html FILE      write one self-contained HTML page (inline CSS and SVG, nothing fetched, works offline):
                   resources by type and region, open events by severity and rule with the Tap table,
                   active instances per group over time, the last runs with their durations and failures
${storeHelp()}

  config           the configuration at a moment: active instances per group, when each started and ended
                   (see 'cloudtap report config --help')`;

const OPTIONS = { html: { type: 'string' }, ...STORE_FLAGS } as const;

export async function reportCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'config') return reportConfigCommand(argv.slice(1));
  const { values, positionals } = parseCommandArgs('report', argv, OPTIONS, true);
  if (values.help) {
    console.log(REPORT_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`report has no "${positionals[0]}" report; use: cloudtap report --html <file>, or cloudtap report config`);
  if (!values.html) throw new UsageError('report needs --html <file>, e.g. cloudtap report --html report.html (or: cloudtap report config --at <time>)');
  const file = resolve(values.html);
  const workspace = await openStoreFromFlags(values, 'read');
  try {
    const data = await loadReportData(workspace.db, { generatedAt: new Date().toISOString(), source: workspace.location });
    const html = renderReportPage(data);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, html);
    console.log(`wrote ${values.html} (${Math.ceil(Buffer.byteLength(html) / 1024)} KB): ${data.resources.total} resources, ${data.openEvents.length} open events, `
      + `${data.instances.lifetimes.length} instances, ${data.runs.length} runs`);
    return 0;
  } finally {
    await workspace.close();
  }
}
