import type { UsageReport } from './usage-report.service';

const CSV_COLUMNS = ['section', 'key', 'calls', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'p50_ms', 'p95_ms', 'failures'] as const;
type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>;

function rows(r: UsageReport): CsvRow[] {
  const groups = (section: string, list: UsageReport['by_user']) => list.map((g) => ({ section, ...g }));
  return [
    { section: 'total', key: 'all', ...r.totals },
    ...groups('user', r.by_user),
    ...groups('day', r.by_day),
    ...groups('month', r.by_month),
    ...groups('model', r.by_model),
    ...r.stages.map((s) => ({ section: 'stage', key: s.stage, calls: s.count, p50_ms: s.p50_ms, p95_ms: s.p95_ms })),
    ...r.tools.map((t) => ({ section: 'tool', key: t.tool, calls: t.calls, failures: t.failures })),
    ...r.errors.map((e) => ({ section: 'error', key: `${e.operation}:${e.error}`, calls: e.count })),
    ...r.budget.alerts.map((a) => ({ section: 'budget_alert', key: a.period, cost_usd: a.cost_usd })),
  ];
}

const csvCell = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // a cell starting with = + - @ is a formula to a spreadsheet: quote it with a leading '
  const safe = /^[=+\-@\t\r]/.test(s) && Number.isNaN(Number(s)) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** One table: a `section` column (total, user, day, month, model, stage, tool, error, budget_alert); an unknown cost is an empty cell. */
export function reportCsv(r: UsageReport): string {
  return [CSV_COLUMNS.join(','), ...rows(r).map((row) => CSV_COLUMNS.map((c) => csvCell(row[c])).join(','))].join('\n') + '\n';
}

const esc = (v: unknown) =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function table(title: string, head: string[], body: unknown[][]): string {
  if (!body.length) return `<h2>${esc(title)}</h2><p>none</p>`;
  const tr = (cells: unknown[], tag: string) => `<tr>${cells.map((c) => `<${tag}>${esc(c === null ? 'unknown' : c)}</${tag}>`).join('')}</tr>`;
  return `<h2>${esc(title)}</h2><table><thead>${tr(head, 'th')}</thead><tbody>${body.map((b) => tr(b, 'td')).join('')}</tbody></table>`;
}

/** A self-contained page (no script, no external asset): the same figures as the JSON. */
export function reportHtml(r: UsageReport): string {
  const groupHead = ['key', 'calls', 'prompt tokens', 'completion tokens', 'cost (USD)', 'p50 ms', 'p95 ms'];
  const group = (list: UsageReport['by_user']) => list.map((g) => [g.key, g.calls, g.prompt_tokens, g.completion_tokens, g.cost_usd, g.p50_ms, g.p95_ms]);
  const budget = (['daily', 'monthly'] as const)
    .filter((k) => r.budget[k])
    .map((k) => [k, r.budget[k]!.period, r.budget[k]!.threshold_usd, r.budget[k]!.spent_usd, r.budget[k]!.crossed ? 'CROSSED' : 'ok']);
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>acervo usage report</title>',
    '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style></head><body>',
    `<h1>acervo usage report</h1><p>from ${esc(r.from ?? 'the beginning')} to ${esc(r.to ?? 'now')}; generated ${esc(r.generated_at)}</p>`,
    table('Totals', ['calls', 'prompt tokens', 'completion tokens', 'cost (USD)'], [[r.totals.calls, r.totals.prompt_tokens, r.totals.completion_tokens, r.totals.cost_usd]]),
    table('Budget', ['budget', 'period', 'threshold (USD)', 'spent (USD)', 'state'], budget),
    table('Budget alerts', ['period', 'threshold (USD)', 'cost (USD)', 'at'], r.budget.alerts.map((a) => [a.period, a.threshold_usd, a.cost_usd, a.at])),
    table('By user', groupHead, group(r.by_user)),
    table('By day (UTC)', groupHead, group(r.by_day)),
    table('By month (UTC)', groupHead, group(r.by_month)),
    table('By model', groupHead, group(r.by_model)),
    table('Stages', ['stage', 'requests', 'p50 ms', 'p95 ms'], r.stages.map((s) => [s.stage, s.count, s.p50_ms, s.p95_ms])),
    table('Tools', ['tool', 'calls', 'failures'], r.tools.map((t) => [t.tool, t.calls, t.failures])),
    table('Errors', ['operation', 'error', 'count'], r.errors.map((e) => [e.operation, e.error, e.count])),
    '</body></html>',
  ].join('\n');
}
