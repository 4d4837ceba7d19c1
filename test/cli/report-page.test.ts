import { describe, it, expect } from '@jest/globals';
import { renderReportPage } from '../../cli/report/page';
import { escapeHtml } from '../../cli/report/html';
import { niceTicks } from '../../cli/report/charts';
import type { ReportData } from '../../cli/report/report-data';
import type { TapEvent } from '../../src/events/tap-event';

const HOSTILE = '<script>alert("x")</script>&\'';

function hostileEvent(): TapEvent {
  return {
    id: 'e1', class: 'AWS_EC2', ems: 'ems-1', rule: `Rule${HOSTILE}`, group: `web${HOSTILE}`, typeNames: [{ type: `ID${HOSTILE}`, name: `i-1:${HOSTILE}` }],
    severity: 2, state: 'open', count: 3, firstTime: '2026-01-01T00:00:00.000Z', lastTime: '2026-01-01T02:00:00.000Z',
    text: `WARNING – ${HOSTILE}`, partition: 'p', resourceId: 'i-1', acknowledged: { note: `seen ${HOSTILE}`, at: '2026-01-01T03:00:00.000Z', by: `ops${HOSTILE}` },
  };
}

function reportData(overrides: Partial<ReportData> = {}): ReportData {
  return {
    generatedAt: '2026-01-02T00:00:00.000Z',
    source: `store in ${HOSTILE}/`,
    resources: { total: 3, byType: [{ name: `EC2.Instance${HOSTILE}`, count: 2 }, { name: 'EC2.Vpc', count: 1 }], byRegion: [{ name: `us-east-1${HOSTILE}`, count: 3 }] },
    openEvents: [hostileEvent()],
    instances: {
      lifetimes: [{ accountId: '1', region: 'r', instanceId: 'i-1', group: `web${HOSTILE}`, startedAt: '2026-01-01T00:00:00.000Z', endedAt: null, endSource: null }],
      series: [{ group: `web${HOSTILE}`, points: [{ time: '2026-01-01T00:00:00.000Z', active: 1 }, { time: '2026-01-02T00:00:00.000Z', active: 1 }] }],
    },
    runs: [{
      runId: `run${HOSTILE}`, status: 'partial', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:05.000Z', durationMs: 5000,
      tasks: { total: 2, succeeded: 1, failed: 1, skipped: 0 }, resources: { seen: 3, created: 3, updated: 0, unchanged: 0, deleted: 0 },
      events: { opened: 1, recurred: 0, cleared: 0 }, writes: 4, apiCalls: 9,
      failures: [{ taskId: 't', account: '111111111111', region: 'us-east-1', service: 'EC2', code: `Unauthorized${HOSTILE}`, message: `no ${HOSTILE}` }], skipped: [],
    }],
    ...overrides,
  };
}

describe('the HTML report page', () => {
  it('escapes every piece of data it shows: nothing from the store becomes markup', () => {
    const html = renderReportPage(reportData());
    expect(html).not.toContain('<script');
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    expect(escapeHtml('a<b>"c"&\'d\'')).toBe('a&lt;b&gt;&quot;c&quot;&amp;&#39;d&#39;');
  });

  it('is self-contained: no scripts, stylesheets, fonts or images to fetch', () => {
    const html = renderReportPage(reportData());
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/url\(|@import/i);
  });

  it('shows the Tap table columns in Tap order, and the failures of a partial run', () => {
    const html = renderReportPage(reportData());
    expect(html).toMatch(/<th>Class<\/th><th>First<\/th><th>Last<\/th><th>Count<\/th><th>Sev<\/th><th>Group<\/th><th>Rule<\/th><th>Type \/ Name 1<\/th><th>Text<\/th>/);
    expect(html).toContain('Unauthorized&lt;script&gt;');
    expect(html).toContain('class="pill partial"');
  });

  it('says what to do when there is nothing to show yet, instead of drawing empty charts', () => {
    const html = renderReportPage(reportData({
      resources: { total: 0, byType: [], byRegion: [] }, openEvents: [], instances: { lifetimes: [], series: [] }, runs: [],
    }));
    expect(html).not.toContain('<svg');
    expect(html).toContain('No resources collected yet: cloudtap run --sandbox');
    expect(html).toContain('No runs yet');
  });
});

describe('axis ticks', () => {
  it('are round numbers up to the first at or above the maximum', () => {
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(23)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(niceTicks(8100)).toEqual([0, 2000, 4000, 6000, 8000, 10000]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});
