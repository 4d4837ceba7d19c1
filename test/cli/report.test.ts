import { describe, it, expect, beforeAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { localStore } from '../support/local-run';
import { cloudtap, type CliResult } from '../support/cli';
import { currentEvents } from '../../cli/commands/events';
import { ResourceStore } from '../../src/store/resource-store';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = fileURLToPath(new URL('../../artifacts/report.png', import.meta.url));
const SPEC = 'seed=3&regions=2&instances=20';

/** What the store holds, counted here independently of the report's own code. */
interface Expected {
  types: Map<string, number>;
  openEvents: number;
  groups: Set<string>;
  runs: number;
}

/** What the page shows, measured in the browser. */
interface Rendered {
  charts: Record<string, { bars: number; drawnBars: number; lines: number; linePoints: number[] }>;
  typeBars: Record<string, number>;
  tapRows: number;
  runRows: number;
}

/** The few DOM members the in-page checks use: the project compiles without the DOM library. */
interface PageElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & { length: number };
  textContent: string | null;
  getBBox(): { width: number; height: number };
  getTotalLength(): number;
}
declare const document: Pick<PageElement, 'querySelectorAll'>;

let report: CliResult;
let reportFile: string;
let html: string;
let expected: Expected;

// Three runs into one store: the account, a later epoch (launches, terminations), and one with a failing type.
beforeAll(async () => {
  const store = await localStore();
  await store.run(SPEC);
  await store.run(`${SPEC}&epoch=2`);
  const partial = await store.run(`${SPEC}&epoch=3&fail=us-west-2:EC2.DescribeVolumes:UnauthorizedOperation`);
  expect(partial.status).toBe('partial');
  const workspace = await store.open();
  try {
    const types = new Map<string, number>();
    const groups = new Set<string>();
    for await (const r of new ResourceStore(workspace.db).scan()) {
      if (r.type === 'EC2.Instance') groups.add(typeof r.data.role === 'string' && r.data.role ? r.data.role : 'unknown');
      if (!r.deletedAt && r.type !== 'CloudServiceType') types.set(r.type, (types.get(r.type) ?? 0) + 1);
    }
    const openEvents = (await currentEvents(workspace.db)).filter((e) => e.state === 'open').length;
    expected = { types, openEvents, groups, runs: 3 };
  } finally {
    await workspace.close();
  }
  reportFile = join(store.dataDir, 'out', 'report.html');
  report = await cloudtap(['report', '--html', reportFile, '--data-dir', store.dataDir]);
  html = existsSync(reportFile) ? await readFile(reportFile, 'utf8') : '';
}, 120_000);

describe('cloudtap report --html', () => {
  it('writes one page and says what is in it', () => {
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/^wrote .*report\.html \(\d+ KB\): \d+ resources, \d+ open events, \d+ instances, 3 runs/);
    expect(html).toMatch(/^<!doctype html>/);
  });

  it('needs nothing from the network: no scripts, stylesheets, fonts or images to load', () => {
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href)\s*=|url\(|@import/i);
  });

  it('renders in headless Chromium: every chart drawn, no console errors, no requests, a screenshot in artifacts/', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get update && apt-get install -y chromium (Debian's package; never npx playwright install)`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`); });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
      page.on('request', (request) => requests.push(request.url()));
      page.on('dialog', (dialog) => { problems.push(`dialog: ${dialog.message()}`); void dialog.dismiss(); });
      const reportUrl = pathToFileURL(reportFile).href;
      await page.goto(reportUrl, { waitUntil: 'load' });

      const rendered = await page.evaluate((): Rendered => {
        const charts: Rendered['charts'] = {};
        for (const figure of document.querySelectorAll('figure.chart')) {
          const bars = [...figure.querySelectorAll('svg rect.bar')];
          const lines = [...figure.querySelectorAll('svg path.series')];
          charts[figure.getAttribute('data-chart') ?? '?'] = {
            bars: bars.length,
            drawnBars: bars.filter((b) => b.getBBox().width > 0 && b.getBBox().height > 0).length,
            lines: lines.length,
            linePoints: lines.map((l) => (l.getTotalLength() > 0 ? Number(l.getAttribute('data-points')) : 0)),
          };
        }
        const typeBars: Record<string, number> = {};
        for (const row of document.querySelectorAll('figure[data-chart="resources-by-type"] g.row')) {
          const [label, value] = (row.querySelector('title')?.textContent ?? '').split(': ');
          typeBars[label ?? ''] = Number(value);
        }
        return {
          charts, typeBars,
          tapRows: document.querySelectorAll('table.tap tbody tr').length,
          runRows: document.querySelectorAll('#runs table tbody tr:not(.failures)').length,
        };
      });
      await mkdir(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      expect(problems).toEqual([]);
      expect(requests).toEqual([reportUrl]);
      expect(Object.keys(rendered.charts).sort()).toEqual([
        'events-by-rule', 'events-by-severity', 'instances-per-group', 'instances-per-group-recent', 'resources-by-region', 'resources-by-type', 'run-durations',
      ]);
      expect(rendered.typeBars).toEqual(Object.fromEntries(expected.types));
      expect(rendered.charts['resources-by-region']?.drawnBars).toBe(3); // two regions and the account-wide partition
      expect(rendered.charts['events-by-severity']?.bars).toBe(4);
      expect(rendered.charts['events-by-severity']?.drawnBars).toBeGreaterThan(0);
      expect(rendered.charts['events-by-rule']?.drawnBars).toBeGreaterThan(0);
      expect(rendered.charts['run-durations']?.drawnBars).toBe(expected.runs);
      for (const name of ['instances-per-group', 'instances-per-group-recent']) {
        expect(rendered.charts[name]?.lines).toBe(expected.groups.size);
        expect(rendered.charts[name]?.linePoints.every((n) => n > 0)).toBe(true);
      }
      expect(rendered.tapRows).toBe(expected.openEvents);
      expect(rendered.runRows).toBe(expected.runs);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
