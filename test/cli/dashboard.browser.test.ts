import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { localStore } from '../support/local-run';
import { serveDashboard } from '../../cli/commands/dashboard';
import { TOKEN_HEADER } from '../../cli/dashboard/server';
import type { StoreAccess } from '../../cli/dashboard/store-access';
import type { Dashboard } from '../../cli/dashboard/server';
import { EventStore } from '../../src/store/event-store';
import { listEvents } from '../../src/events/event-queries';
import { ResourceStore } from '../../src/store/resource-store';
import type { TapEvent } from '../../src/dto/tap-event';
import type { Database } from '../../src/store/dynamo';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Under .cloudtap/, which git ignores. */
const SCREENSHOT = fileURLToPath(new URL('../../.cloudtap/test-artifacts/dashboard.png', import.meta.url));
const SPEC = 'seed=3&regions=1&instances=8';
const USER = 'dashboard-test';

let dashboard: Dashboard & { store: StoreAccess };
let open: TapEvent[];

/** An HTTP request with the headers as given (fetch will not send another Host). */
function call(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: { error?: string } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, dashboard.url);
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) as { error?: string } : {} }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Reads the store the dashboard serves, through the store's own code (not the dashboard's). */
const storeRead = <T>(work: (db: Database) => Promise<T>): Promise<T> => dashboard.store.use((w) => work(w.db));

// Two small runs (EC2 only, one region): a later epoch changes resources, and the second run has a failing call.
beforeAll(async () => {
  const store = await localStore();
  await store.run(SPEC, { services: ['EC2'] });
  await store.run(`${SPEC}&epoch=2&fail=us-east-1:EC2.DescribeVolumes:UnauthorizedOperation`, { services: ['EC2'] });
  dashboard = await serveDashboard({ 'data-dir': store.dataDir }, { port: 0, user: USER, refreshSeconds: 3600 });
  open = await storeRead((db) => listEvents(db, { state: 'open' }));
  expect(open.length).toBeGreaterThan(1);
}, 60_000);

afterAll(async () => {
  await dashboard?.close();
});

describe('cloudtap dashboard: the API', () => {
  it('listens on 127.0.0.1 only, and refuses a request whose Host is not its own', async () => {
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const rebound = await call('/api/summary', { headers: { host: `evil.example:${dashboard.port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.body.error).toMatch(/Host "evil\.example:\d+" is not this dashboard's/);
    const page = await call('/', { headers: { host: 'attacker.test' } });
    expect(page.status).toBe(403);
  });

  it('answers a bad filter with 400 naming it, and pages the events server-side', async () => {
    const severity = await call('/api/events?severity=9');
    expect(severity.status).toBe(400);
    expect(severity.body.error).toMatch(/^severity: "9" is not the severity of any stored event/);
    const rule = await call('/api/events?rule=NoSuchRule');
    expect(rule.status).toBe(400);
    expect(rule.body.error).toMatch(/^rule: "NoSuchRule" is not the rule of any stored event; known: .*OpenIngress/);
    const unknown = await call('/api/events?colour=red');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/unknown parameter "colour"/);
    expect((await call('/api/events?limit=abc')).body.error).toMatch(/^limit: must be a whole number/);

    const page = await call('/api/events?limit=2');
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(open.length);
    expect((page.body.events as TapEvent[]).length).toBe(2);
    const second = await call('/api/events?limit=2&offset=2');
    expect((second.body.events as TapEvent[]).map((e) => e.id)).not.toContain((page.body.events as TapEvent[])[0]?.id);

    // Page by page (one row each, so every page boundary falls somewhere), in each state: the store's events in the
    // table's order, most severe first, then the most recent.
    for (const state of ['open', 'cleared'] as const) {
      const all = (await storeRead((db) => listEvents(db, { state })))
        .sort((a, b) => a.severity - b.severity || b.lastTime.localeCompare(a.lastTime) || a.id.localeCompare(b.id)).map((e) => e.id);
      const paged: string[] = [];
      for (let offset = 0; offset <= all.length; offset++) {
        const one = await call(`/api/events?state=${state}&limit=1&offset=${offset}`);
        expect(one.body.total).toBe(all.length);
        paged.push(...(one.body.events as TapEvent[]).map((e) => e.id));
      }
      expect(paged).toEqual(all);
    }
  });

  it('refuses a write without the token (403), from another origin (403), and without a note (400); nothing is written', async () => {
    const event = open[0]!;
    const path = `/api/events/${encodeURIComponent(event.id)}/ack`;
    const json = { 'content-type': 'application/json' };
    const noToken = await call(path, { method: 'POST', headers: json, body: JSON.stringify({ note: 'x' }) });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error).toMatch(/needs the dashboard's token in the x-cloudtap-token header/);
    const wrongToken = await call(path, { method: 'POST', headers: { ...json, [TOKEN_HEADER]: 'f'.repeat(48) }, body: JSON.stringify({ note: 'x' }) });
    expect(wrongToken.status).toBe(403);
    const crossSite = await call(path, { method: 'POST', headers: { ...json, [TOKEN_HEADER]: dashboard.token, origin: 'http://evil.example' }, body: JSON.stringify({ note: 'x' }) });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error).toMatch(/origin "http:\/\/evil\.example"/);
    const noNote = await call(path, { method: 'POST', headers: { ...json, [TOKEN_HEADER]: dashboard.token }, body: JSON.stringify({ note: '  ' }) });
    expect(noNote.status).toBe(400);
    expect(noNote.body.error).toMatch(/^note: required/);
    const asGet = await call(path);
    expect(asGet.status).toBe(405);
    const missing = await call('/api/events/no-such-event/ack', { method: 'POST', headers: { ...json, [TOKEN_HEADER]: dashboard.token }, body: JSON.stringify({ note: 'x' }) });
    expect(missing.status).toBe(404);
    const stored = await storeRead((db) => new EventStore(db).get(event.id));
    expect(stored?.acknowledged).toBeUndefined();
    expect(stored?.transitions.some((t) => t.transition === 'acknowledged')).toBe(false);
  });

  it('reports the last run\'s failures by service and account from its failed tasks', async () => {
    const failures = await call('/api/failures');
    expect(failures.status).toBe(200);
    const byService = failures.body.byService as { name: string; count: number }[];
    expect(byService.find((s) => s.name === 'EC2')?.count).toBeGreaterThan(0);
    expect((failures.body.byAccount as { name: string }[]).map((a) => a.name)).toContain('111111111111');
    expect(failures.body.html).toMatch(/UnauthorizedOperation/);
  });
});

describe('cloudtap dashboard in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const foreignRequests: string[] = [];

  const loads = async (): Promise<number> => Number(await page.locator('body').getAttribute('data-loads') ?? 0);
  /**
   * Waits for the page to finish the load an action started. The dashboard is served with an hour between
   * refreshes, so every load is one the test started (the "Refresh now" button is the refresh under test).
   */
  async function after(action: () => Promise<unknown>): Promise<void> {
    const before = await loads();
    await action();
    await page.waitForSelector(`body[data-loads="${before + 1}"]`);
  }
  const rowIds = (): Promise<string[]> => page.locator('#events-table tbody tr[data-event-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id') ?? ''));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get update && apt-get install -y chromium (Debian's package; never npx playwright install)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`); });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => { if (!request.url().startsWith(dashboard.url)) foreignRequests.push(request.url()); });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('loads: the open events shown are those the store counts, most severe first', async () => {
    await page.goto(dashboard.url);
    await page.waitForSelector('body[data-loads]');
    const counts = await storeRead((db) => new EventStore(db).countOpenBySeverity());
    const openCount = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(await page.locator('[data-kpi="open-events"] .kpi-value').textContent()).toBe(String(openCount));
    expect(await page.locator('#events-total').getAttribute('data-total')).toBe(String(openCount));
    const expected = [...open].sort((a, b) => a.severity - b.severity || b.lastTime.localeCompare(a.lastTime) || a.id.localeCompare(b.id)).map((e) => e.id);
    expect(await rowIds()).toEqual(expected);
    await after(() => page.locator('#refresh').click());
    expect(await page.locator('#updated').textContent()).toMatch(/^updated \d\d:\d\d:\d\d$/);
    for (const chart of ['events-over-time', 'failures-by-service', 'failures-by-account', 'resources-by-type']) {
      expect(await page.locator(`figure[data-chart="${chart}"] svg`).count()).toBe(1);
    }
  });

  it('filters by severity and rule, in the URL: the rows are the store\'s events that match', async () => {
    const severity = Math.min(...open.map((e) => e.severity));
    await after(() => page.selectOption('#filters select[name="severity"]', String(severity)));
    expect(new URL(page.url()).searchParams.get('severity')).toBe(String(severity));
    const bySeverity = open.filter((e) => e.severity === severity);
    expect((await rowIds()).sort()).toEqual(bySeverity.map((e) => e.id).sort());
    expect(await page.locator(`#events-table tbody tr:not(.sev${severity})`).count()).toBe(0);

    const rule = bySeverity[0]!.rule;
    await after(() => page.selectOption('#filters select[name="rule"]', rule));
    const both = open.filter((e) => e.severity === severity && e.rule === rule);
    expect((await rowIds()).sort()).toEqual(both.map((e) => e.id).sort());

    // The URL is the view: opened afresh, it shows the same rows with the same filters selected.
    const shared = page.url();
    await page.goto(shared);
    await page.waitForSelector('body[data-loads="1"]');
    expect(await page.locator('#filters select[name="rule"]').inputValue()).toBe(rule);
    expect((await rowIds()).sort()).toEqual(both.map((e) => e.id).sort());
  });

  it('drills down into one event (its history) and one resource (its configuration timeline and events)', async () => {
    const [eventId] = await rowIds();
    await after(() => page.locator(`#events-table tbody tr[data-event-id="${eventId}"] .event-link`).click());
    expect(new URL(page.url()).searchParams.get('event')).toBe(eventId);
    const history = await storeRead((db) => new EventStore(db).history(eventId!));
    expect(await page.locator('#detail[data-kind="event"] #event-history li').count()).toBe(history.length);
    expect(await page.locator('#detail code').first().textContent()).toBe(eventId);

    const event = open.find((e) => e.id === eventId)!;
    await after(() => page.locator('#resource-link').click());
    expect(new URL(page.url()).searchParams.get('resource')).toBe(event.resourceId);
    const timeline = await storeRead(async (db) => {
      const store = new ResourceStore(db);
      const records = await store.findById(event.resourceId);
      return (await Promise.all(records.map((r) => store.history(r.pk, r.resourceId)))).flat();
    });
    // "first seen", then one entry per change.
    expect(await page.locator('#detail[data-kind="resource"] ol.resource-timeline li').count()).toBe(1 + timeline.length);
    const resourceEvents = await page.locator('#resource-events tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')));
    expect(resourceEvents).toContain(eventId);
    expect(resourceEvents.length).toBe(await storeRead(async (db) => (await listEvents(db, { state: 'all' })).filter((e) => e.resourceId === event.resourceId).length));

    // Back to the event, through the resource's events.
    await after(() => page.locator(`#resource-events tbody tr[data-event-id="${eventId}"]`).click());
    expect(await page.locator('#detail').getAttribute('data-kind')).toBe('event');
  });

  it('acknowledges from the page: the acknowledgement (note, by) is in the store and in the event\'s history', async () => {
    const eventId = new URL(page.url()).searchParams.get('event')!;
    const note = 'Looked at it with the on-call engineer; ticket OPS-1234 tracks the fix';
    await page.locator('#ack-note').fill(note);
    await page.locator('#ack-submit').click();
    await page.waitForSelector('#ack-status:has-text("acknowledged by")');

    const stored = await storeRead((db) => new EventStore(db).get(eventId));
    expect(stored?.acknowledged).toEqual({ note, by: USER, at: expect.any(String) });
    expect(stored?.transitions.at(-1)).toMatchObject({ transition: 'acknowledged', note });
    expect(await page.locator('#event-history li.t-acknowledged .note').textContent()).toBe(`note: ${note}`);
    await page.waitForSelector(`#events-table tbody tr[data-event-id="${eventId}"] .badge.acked`);

    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`dashboard screenshot: ${SCREENSHOT}`);
    const png = await readFile(SCREENSHOT);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    expect(problems).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
