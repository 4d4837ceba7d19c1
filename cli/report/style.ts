/** The report's stylesheet, inlined into the page. System fonts only: nothing is fetched. */
export const REPORT_CSS = `
:root { --bg: #f4f6f9; --card: #fff; --line: #d8dee4; --text: #1f2328; --muted: #59636e; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.top { display: flex; justify-content: space-between; align-items: center; gap: 24px; padding: 18px 32px; background: #0d1b2a; color: #e6edf3; }
header.top h1 { margin: 0; font-size: 22px; letter-spacing: .3px; }
header.top .logo { color: #56b4e9; }
header.top .sub { margin: 2px 0 0; color: #9fb0c2; font-size: 13px; }
.status { display: flex; align-items: center; gap: 8px; padding: 8px 14px; border-radius: 8px; background: #1b2b3c; font-weight: 600; white-space: nowrap; }
.status small { color: #9fb0c2; font-weight: 400; margin-left: 6px; }
.status .dot { width: 10px; height: 10px; border-radius: 50%; background: #8c959f; }
.status.succeeded .dot { background: #2da44e; } .status.partial .dot { background: #e16f24; }
main { max-width: 1560px; margin: 0 auto; padding: 20px 32px 8px; }
h2 { font-size: 17px; margin: 28px 0 10px; color: #24292f; }
h3 { font-size: 14px; margin: 0; }
h4 { font-size: 13px; font-weight: 600; color: var(--muted); margin: 18px 0 4px; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 14px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-top: 4px solid var(--accent); border-radius: 10px; padding: 14px 16px; }
.kpi.alert { border-top-color: #cf222e; } .kpi.warn { border-top-color: #e16f24; } .kpi.good { border-top-color: #2da44e; }
.kpi-value { font-size: 28px; font-weight: 700; line-height: 1.1; }
.kpi-label { color: var(--muted); text-transform: uppercase; font-size: 11px; letter-spacing: .6px; margin-top: 2px; }
.kpi-note { color: var(--muted); font-size: 12px; margin-top: 6px; }
.grid.two { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; margin-bottom: 14px; min-width: 0; }
.card-head { display: flex; justify-content: space-between; align-items: baseline; margin-bottom: 8px; }
.card-head .note { color: var(--muted); font-size: 12px; }
figure.chart { margin: 0; }
.chart-svg { display: block; font-family: inherit; }
.chart-svg .label, .chart-svg .tick { fill: var(--muted); }
.chart-svg .value { fill: var(--text); font-weight: 600; }
.chart-svg .track { fill: #f0f3f6; }
.chart-svg .grid { stroke: #eaeef2; } .chart-svg .axis { stroke: #afb8c1; }
.chart-svg .row:hover .bar, .chart-svg .column:hover .bar { opacity: .8; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 10px 0 4px; font-size: 13px; }
.legend-item { display: inline-flex; align-items: center; gap: 6px; }
.swatch { width: 12px; height: 12px; border-radius: 3px; display: inline-block; }
.table-wrap { overflow-x: auto; }
.table-wrap.tall { max-height: 620px; overflow-y: auto; border: 1px solid #eef1f4; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th { text-align: left; font-weight: 600; color: var(--muted); background: #f6f8fa; border-bottom: 1px solid var(--line); padding: 6px 8px; white-space: nowrap; position: sticky; top: 0; }
td { border-bottom: 1px solid #eef1f4; padding: 5px 8px; vertical-align: top; }
tbody tr:hover td { background: #f6f9ff; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.nowrap { white-space: nowrap; }
td.mono { white-space: nowrap; }
td.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
td.text { min-width: 260px; }
td.pair .type { display: table; margin-bottom: 1px; font-size: 10px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); background: #eef1f4; border-radius: 4px; padding: 0 4px; }
td.pair .name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
table.tap td { white-space: nowrap; padding: 5px 6px; } table.tap td.text, table.tap td.pair { white-space: normal; }
td.pair { max-width: 190px; } .nb { white-space: nowrap; }
.muted { color: var(--muted); }
table.tap tr.sev-row td:first-child { border-left: 4px solid transparent; }
table.tap tr.sev1 td:first-child { border-left-color: #cf222e; } table.tap tr.sev2 td:first-child { border-left-color: #e16f24; }
table.tap tr.sev3 td:first-child { border-left-color: #bf8700; } table.tap tr.sev4 td:first-child { border-left-color: #0969da; }
.sev { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 11px; font-weight: 700; color: #fff; white-space: nowrap; }
.sev1 .sev, .sev.sev1 { background: #cf222e; } .sev.sev2 { background: #e16f24; } .sev.sev3 { background: #bf8700; }
.sev.sev4 { background: #0969da; } .sev.sev5 { background: #1a7f37; }
.ack { color: var(--muted); font-style: italic; margin-top: 2px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11.5px; font-weight: 600; }
.pill.succeeded { background: #dafbe1; color: #116329; } .pill.partial { background: #fff1e5; color: #953800; }
tr.failures td { background: #fff8f2; border-bottom: 1px solid #f4d8c4; }
tr.failures ul { margin: 0; padding-left: 18px; } tr.failures li { margin: 2px 0; }
.empty { color: var(--muted); font-style: italic; margin: 6px 0; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 18px 0 28px; }
@media (max-width: 900px) { .kpis, .grid.two { grid-template-columns: 1fr 1fr; } }
@media print { body { background: #fff; } header.top { background: #fff; color: #000; } .card { break-inside: avoid; } }
`;
