import { escapeHtml } from '../report/html';
import { REPORT_CSS } from '../report/style';
import { DASHBOARD_SCRIPT } from './client';

/** What the dashboard adds to the report's stylesheet: filters, paging, the drill-down panel, the acknowledge form. */
const DASHBOARD_CSS = `
header.top .actions { display: flex; align-items: center; gap: 12px; font-size: 13px; color: #9fb0c2; }
header.top button, .filters button, .pager button, .ack-form button { font: inherit; padding: 5px 12px; border-radius: 6px; border: 1px solid var(--line); background: #fff; color: var(--text); cursor: pointer; }
header.top button { background: #1b2b3c; color: #e6edf3; border-color: #33475b; }
button:disabled { opacity: .5; cursor: default; }
.filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: end; margin-bottom: 10px; }
.filters label { display: flex; flex-direction: column; font-size: 11px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted); gap: 3px; }
.filters select { font: inherit; font-size: 13px; padding: 4px 6px; border: 1px solid var(--line); border-radius: 6px; min-width: 120px; background: #fff; }
.pager { display: flex; gap: 10px; align-items: center; margin-top: 8px; color: var(--muted); font-size: 13px; }
a.link, button.link { color: var(--accent); background: none; border: 0; padding: 0; font: inherit; cursor: pointer; text-decoration: underline; }
.error-banner { background: #ffebe9; border: 1px solid #ff8182; color: #82071e; padding: 8px 12px; border-radius: 8px; margin: 12px 0; }
.error-banner:empty { display: none; }
#detail:empty { display: none; }
#detail .card { border-left: 4px solid var(--accent); }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0 0 10px; font-size: 13px; }
dl.fields dt { color: var(--muted); } dl.fields dd { margin: 0; word-break: break-word; }
ol.timeline { list-style: none; margin: 0; padding: 0; border-left: 2px solid var(--line); }
ol.timeline li { position: relative; margin: 0 0 10px 0; padding-left: 16px; font-size: 13px; }
ol.timeline li::before { content: ''; position: absolute; left: -6px; top: 5px; width: 10px; height: 10px; border-radius: 50%; background: #8c959f; }
ol.timeline li.t-opened::before, ol.timeline li.t-reopened::before { background: #cf222e; }
ol.timeline li.t-cleared::before, ol.timeline li.t-settled::before { background: #2da44e; }
ol.timeline li.t-acknowledged::before { background: #0969da; }
ol.timeline li.t-silenced::before { background: #6a3d9a; } ol.timeline li.t-flapping::before { background: #e16f24; }
ol.timeline .when { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: 8px; }
ol.timeline .what { font-weight: 600; margin-right: 6px; }
ol.timeline .note { display: block; margin-top: 2px; font-style: italic; }
ol.timeline .diff { display: block; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11.5px; font-weight: 600; margin-left: 6px; }
.badge.silenced { background: #efe2fa; color: #6a3d9a; } .badge.flapping { background: #fff1e5; color: #953800; }
.badge.acked { background: #ddf4ff; color: #0550ae; } .badge.state-cleared { background: #dafbe1; color: #116329; } .badge.state-open { background: #ffebe9; color: #a40e26; }
.ack-form { display: flex; gap: 8px; align-items: flex-start; margin-top: 10px; }
.ack-form textarea { flex: 1; font: inherit; min-height: 54px; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; }
.ack-status { font-size: 13px; margin-top: 4px; color: var(--muted); }
table.events tbody tr { cursor: pointer; }
`;

/**
 * The dashboard's one page: the report's stylesheet and the dashboard's own, and a script that reads the JSON API.
 * Nothing is fetched from elsewhere (no CDN, no fonts). The token for writes is in the page, which only a page of
 * this origin can read.
 */
export function dashboardPage(options: { token: string; nonce: string; source: string; refreshSeconds: number }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="cloudtap-token" content="${escapeHtml(options.token)}">
<meta name="cloudtap-refresh-seconds" content="${options.refreshSeconds}">
<title>cloudtap dashboard</title>
<style>${REPORT_CSS}${DASHBOARD_CSS}</style>
</head>
<body>
<header class="top"><div><h1><span class="logo">◆</span> cloudtap dashboard</h1><p class="sub">${escapeHtml(options.source)} · times UTC · <span id="updated">loading…</span></p></div>
<div class="actions"><label><input type="checkbox" id="live" checked> refresh every ${options.refreshSeconds} s</label><button type="button" id="refresh">Refresh now</button></div></header>
<main>
<div class="error-banner" id="error" role="alert"></div>
<div id="kpis"></div>
<section id="detail" aria-live="polite"></section>
<section id="events-section"><h2>Events</h2><div class="card wide">
<form class="filters" id="filters">
<label>State<select name="state"></select></label>
<label>Severity<select name="severity"></select></label>
<label>Account<select name="account"></select></label>
<label>Region<select name="region"></select></label>
<label>Group<select name="group"></select></label>
<label>Rule<select name="rule"></select></label>
<button type="button" id="clear-filters">Clear filters</button>
</form>
<div class="card-head"><h3 id="events-title">Events</h3><span class="note" id="events-total"></span></div>
<div class="table-wrap tall"><table class="tap events" id="events-table"><thead><tr><th>Sev</th><th>State</th><th>Last</th><th>Count</th><th>Group</th><th>Rule</th><th>Resource</th><th>Account · Region</th><th>Text</th></tr></thead><tbody></tbody></table></div>
<div class="pager"><button type="button" id="prev">← Previous</button><span id="page-info"></span><button type="button" id="next">Next →</button></div>
</div></section>
<section id="trends"><h2>Trends and failures</h2><div id="timeline"></div><div id="failures"></div></section>
<div id="summary-inventory"></div>
<div id="summary-instances"></div>
<div id="summary-runs"></div>
</main>
<footer>cloudtap dashboard · serves 127.0.0.1 only · loads nothing from elsewhere</footer>
<script nonce="${escapeHtml(options.nonce)}">${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
