/**
 * The read-only web console at /_emulator/ui: one server-rendered HTML page, no scripts, no build
 * step. Every value that comes from the store or the journal goes through esc().
 */
import type { Services } from '../actions/define.js';
import { signedReportUrl } from '../reports/links.js';
import { reportStatus } from '../reports/service.js';
import { packCompliance } from './compliance.js';
import type { ControlPlane } from './index.js';

/** HTML-escapes text for element content and quoted attribute values. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const iso = (ms: number) => new Date(ms).toISOString();

function table(testId: string, head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty" data-testid="${esc(testId)}-empty">${esc(empty)}</p>`;
  return (
    `<table data-testid="${esc(testId)}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2733;background:#fafbfc}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:.5rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}code{font-size:12px}.meta{color:#57606a}.empty{color:#57606a;font-style:italic}
.NON_COMPLIANT,.s5xx,.s4xx{color:#b42318;font-weight:600}.COMPLIANT,.s2xx{color:#067647}
.INSUFFICIENT_DATA,.CREATING{color:#b54708}details{margin:.2rem 0}nav a{margin-right:.8rem}`;

/** `token`: the ?token= the console was opened with, carried on its link to the API description. */
export function consoleHtml(services: Services, control: ControlPlane, opts: { baseUrl: string; token?: string }): string {
  const { store, config } = services;
  const now = services.clock.now();
  const keys = store.accounts.accessKeys();
  const accounts = store.accounts.list();
  const aggregators = store.aggregators.all();
  const packs = store.packs.all();
  const reports = store.reports.all();
  const journal = control.journal.list({ limit: 50 });
  const faults = control.faults.list();
  const modes = control.lifecycle.settings();

  const accountRows = accounts.map((a) => [
    `<code>${esc(a.accountId)}</code>`,
    esc(a.accountName),
    a.configEnabled ? 'yes' : 'no',
    keys.filter((k) => k.accountId === a.accountId).map((k) => `<code>${esc(k.accessKeyId)}</code>`).join('<br>'),
  ]);

  const aggregatorRows = aggregators.map((g) => [
    `<code>${esc(g.aggregatorId)}</code>`,
    esc(g.name),
    `<code>${esc(g.accountId)}</code>`,
    esc(g.aggregatorType),
    esc(g.members.map((m) => `${m.accountName || m.accountId}`).join(', ')),
    now >= g.readyAt ? 'READY' : '<span class="CREATING">CREATING</span>',
    esc(iso(g.createdAt)),
  ]);

  const packBlocks = packs.map((p) => {
    const compliance = packCompliance(services, p, now);
    const rules = compliance.rules.map((r) => [
      `<code>${esc(r.configRuleId)}</code>`,
      esc(r.configRuleName),
      `<code>${esc(r.managedRuleIdentifier)}</code>`,
      esc(r.riskLevel),
      `<span class="${esc(r.complianceType)}">${esc(r.complianceType)}</span>`,
      esc(r.nonCompliantCount),
    ]);
    return (
      `<section class="pack" data-testid="pack-${esc(p.compliancePackId)}">` +
      `<h3>${esc(p.name)} <code>${esc(p.compliancePackId)}</code></h3>` +
      `<p class="meta">owner <code>${esc(p.accountId)}</code>` +
      (p.aggregatorId ? ` · aggregator <code>${esc(p.aggregatorId)}</code>` : ' · single account') +
      ` · risk ${esc(p.riskLevel)} · ${now >= p.readyAt ? 'ACTIVE' : '<span class="CREATING">CREATING</span>'}` +
      ` · compliance <span class="${esc(compliance.complianceType)}" data-testid="compliance">${esc(compliance.complianceType)}</span></p>` +
      table(`rules-${p.compliancePackId}`, ['Rule id', 'Name', 'Managed rule', 'Risk', 'Compliance', 'Non-compliant'], rules, 'No rules.') +
      '</section>'
    );
  });

  const reportRows = [...reports].reverse().map((r) => {
    const status = reportStatus(r, now);
    const link =
      status === 'COMPLETE'
        ? `<a data-testid="report-link" href="${esc(signedReportUrl(opts.baseUrl, r.objectKey, now, config.reportLinkTtlSeconds))}">download</a>`
        : '';
    return [`<code>${esc(r.scopeId)}</code>`, esc(r.kind), `<code>${esc(r.accountId)}</code>`, esc(iso(r.createdAt)), `<span class="${esc(status)}">${esc(status)}</span>`, link];
  });

  const journalRows = journal.map((e) => [
    esc(e.time),
    esc(e.action ?? '-'),
    `<code>${esc(e.accountId ?? '-')}</code>`,
    `<span class="s${esc(String(e.status)[0])}xx">${esc(e.status)}</span>`,
    esc(e.errorCode ?? ''),
    esc(e.durationMs),
    e.fault ? `<code>${esc(e.fault.id)}</code>` : '',
  ]);

  const faultRows = faults.map((f) => [
    `<code>${esc(f.id)}</code>`, esc(f.action), esc(f.accountId ?? 'any'), esc(f.error ?? ''), esc(f.latencyMs), esc(f.probability),
    esc(f.remaining ?? '∞'), esc(f.fired),
  ]);
  const modeText = (Object.entries(modes) as [string, { mode: string; delayMs?: number; reads?: number }][])
    .map(([k, m]) => `${k}: ${m.mode}${m.delayMs !== undefined ? ` ${m.delayMs} ms` : ''}${m.reads !== undefined ? ` ${m.reads} reads` : ''}`)
    .join(' · ');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Config emulator console</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<h1>alicloud-config-emulator</h1>
<p class="meta" data-testid="clock">Emulator time <code>${esc(iso(now))}</code>${control.clock.frozen ? ' (frozen)' : ''} · lifecycle ${esc(modeText)}</p>
<nav><a href="#accounts">Accounts</a><a href="#aggregators">Aggregators</a><a href="#packs">Compliance packs</a><a href="#reports">Reports</a><a href="#requests">Recent requests</a><a href="#faults">Faults</a><a href="/_emulator/openapi.json${opts.token ? `?token=${esc(encodeURIComponent(opts.token))}` : ''}">OpenAPI</a></nav>
<h2 id="accounts">Accounts (${accounts.length})</h2>
${table('accounts', ['Account id', 'Name', 'Config enabled', 'Access keys'], accountRows, 'No accounts.')}
<h2 id="aggregators">Aggregators (${aggregators.length})</h2>
${table('aggregators', ['Aggregator id', 'Name', 'Owner', 'Type', 'Members', 'Status', 'Created'], aggregatorRows, 'No aggregators.')}
<h2 id="packs">Compliance packs (${packs.length})</h2>
${packBlocks.length ? packBlocks.join('\n') : '<p class="empty" data-testid="packs-empty">No compliance packs.</p>'}
<h2 id="reports">Reports (${reports.length})</h2>
${table('reports', ['Compliance pack', 'Kind', 'Account', 'Created', 'Status', 'Download'], reportRows, 'No reports.')}
<h2 id="requests">Recent requests (${journal.length} of ${control.journal.count()} kept)</h2>
${table('requests', ['Time', 'Action', 'Account', 'Status', 'Error code', 'ms', 'Fault'], journalRows, 'No API calls yet.')}
<h2 id="faults">Fault rules (${faults.length})</h2>
${table('faults', ['Id', 'Action', 'Account', 'Error', 'Latency ms', 'Probability', 'Left', 'Fired'], faultRows, 'No fault rules.')}
</body></html>
`;
}
