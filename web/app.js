// The analysts' workbench: alert queue, alert detail and metrics, as one small module with no
// framework. Every string from the server is put into the page as text (textContent or text
// nodes), never as markup: worker names, user agents and SNI come from attackers.

const FIRST_LOOK_TARGET_US = 15 * 60 * 1e6;
const ROW_HEIGHT = 32;
const PAGE = 500;

const state = { me: null, csrf: null, alerts: [], next: null, loading: false, selected: 0, filters: {}, group: 'none', nowOffsetUs: 0 };

/** Builds an element; string children become text nodes, so they can never be markup. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    // Through the CSSOM: the Content-Security-Policy forbids style attributes, not style properties.
    else if (k === 'style') el.style.cssText = v;
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

async function api(path, opts = {}) {
  const headers = { accept: 'application/json', ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) };
  if (opts.method && opts.method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  const res = await fetch(path, { method: opts.method ?? 'GET', headers, body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined, credentials: 'same-origin' });
  if (res.status === 401 && path !== '/api/login') {
    state.me = null;
    renderLogin();
    throw new Error('Please log in.');
  }
  const data = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new Error((data && data.message) || `HTTP ${res.status}`);
  return data;
}

const main = () => document.getElementById('main');
function setMain(...nodes) {
  main().replaceChildren(...nodes);
}
function nowUs() {
  return Date.now() * 1000 + state.nowOffsetUs;
}
function fmtTime(us) {
  return us ? new Date(us / 1000).toISOString().replace('T', ' ').slice(0, 19) : '';
}
function fmtDuration(us) {
  const s = Math.abs(us) / 1e6;
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.floor(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** Age against the 15-minute first-look target: a countdown, then overdue; done once looked at. */
function sla(a) {
  if (a.first_look_us) return { text: `looked ${fmtDuration(a.first_look_us - a.received_us)}`, cls: 'sla-done' };
  const left = a.received_us + FIRST_LOOK_TARGET_US - nowUs();
  return left >= 0 ? { text: `${fmtDuration(left)} left`, cls: 'sla-due' } : { text: `overdue ${fmtDuration(-left)}`, cls: 'sla-overdue' };
}

// ---------------------------------------------------------------- login
function renderLogin(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('who').textContent = '';
  const err = h('div', { class: 'error', role: 'alert' }, message ?? '');
  const user = h('input', { name: 'username', autocomplete: 'username', placeholder: 'user name', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', placeholder: 'password', required: true });
  const form = h('form', { class: 'login', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const r = await api('/api/login', { method: 'POST', body: { username: user.value, password: pass.value } });
      state.me = r;
      state.csrf = r.csrf_token;
      start();
    } catch (e) {
      err.textContent = e.message;
    }
  } }, h('h1', {}, 'Sign in'), user, pass, h('button', { class: 'primary', type: 'submit' }, 'Sign in'), err);
  setMain(form);
  user.focus();
}

// ---------------------------------------------------------------- queue
function queryString(extra = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...state.filters, ...extra })) if (v !== '' && v !== undefined && v !== null) p.set(k, String(v));
  return p.toString();
}

async function loadAlerts(reset) {
  if (state.loading) return;
  if (!reset && !state.next) return;
  state.loading = true;
  try {
    const r = await api(`/api/alerts?${queryString({ limit: PAGE, ...(reset ? {} : state.next) })}`);
    state.nowOffsetUs = r.now_us - Date.now() * 1000;
    state.alerts = reset ? r.alerts : state.alerts.concat(r.alerts);
    state.next = r.next;
  } finally {
    state.loading = false;
  }
}

function rowsForView() {
  if (state.group === 'none') return state.alerts.map((a) => ({ alert: a }));
  const key = state.group === 'host' ? (a) => a.src_ip : (a) => `${a.signature} (${a.signature_id})`;
  const groups = new Map();
  for (const a of state.alerts) {
    const k = key(a);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(a);
  }
  const rows = [];
  for (const [k, list] of [...groups.entries()].sort((x, y) => y[1].length - x[1].length)) {
    rows.push({ group: k, count: list.length });
    for (const a of list) rows.push({ alert: a });
  }
  return rows;
}

function renderQueue() {
  markNav('queue');
  const count = h('span', { class: 'count' });
  const search = h('input', { type: 'search', placeholder: 'search (/)', value: state.filters.q ?? '', 'aria-label': 'search', onchange: () => { state.filters.q = search.value; refresh(); } });
  const select = (name, options, label) =>
    h('select', { 'aria-label': label, onchange: (ev) => { state.filters[name] = ev.target.value; refresh(); } },
      options.map(([v, t]) => h('option', { value: v, selected: (state.filters[name] ?? '') === v }, t)));
  const group = h('select', { 'aria-label': 'group by', onchange: (ev) => { state.group = ev.target.value; draw(); } },
    [['none', 'no grouping'], ['host', 'group by host'], ['signature', 'group by signature']].map(([v, t]) => h('option', { value: v, selected: state.group === v }, t)));
  const filters = h('div', { class: 'filters' }, search,
    select('status', [['', 'any status'], ['new', 'new'], ['in_progress', 'in progress'], ['closed', 'closed']], 'status'),
    select('source', [['', 'any source'], ['sensor', 'sensor'], ['panos', 'PAN-OS'], ['eve', 'Suricata EVE'], ['flows', 'flows'], ['webhook', 'webhook']], 'source'),
    select('severity', [['', 'any severity'], ['1', 'high'], ['2', 'medium'], ['3', 'low']], 'severity'),
    group, count);
  const head = h('div', { class: 'grid-head', role: 'row' }, ['Sev', 'First look', 'Status', 'Assignee', 'Source', 'Signature', 'Flow', 'Triage'].map((t) => h('span', { role: 'columnheader' }, t)));
  const spacer = h('div', { class: 'spacer' });
  const viewport = h('div', { class: 'viewport', role: 'grid', tabindex: '0', 'aria-label': 'alerts' }, spacer);
  let rows = [];

  function draw() {
    rows = rowsForView();
    spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    count.textContent = `${state.alerts.length}${state.next ? '+' : ''} alerts`;
    paint();
  }
  // Only the rows in view (plus a margin) exist in the page, so 100 k alerts scroll smoothly.
  let painted = '';
  function paint(force = true) {
    const top = viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 10);
    const last = Math.min(rows.length, Math.ceil((top + viewport.clientHeight) / ROW_HEIGHT) + 10);
    const key = `${first}:${last}:${state.selected}:${rows.length}`;
    if (!force && key === painted) return;
    painted = key;
    const nodes = [];
    for (let i = first; i < last; i++) {
      const r = rows[i];
      const style = `top:${i * ROW_HEIGHT}px`;
      if (r.group !== undefined) {
        nodes.push(h('div', { class: 'row group-row', style }, h('span', {}, ''), h('span', { style: 'grid-column: span 7' }, `${r.group} - ${r.count} alert${r.count === 1 ? '' : 's'}`)));
        continue;
      }
      const a = r.alert;
      const s = sla(a);
      nodes.push(h('div', { class: `row${i === state.selected ? ' selected' : ''}`, style, role: 'row', dataset: { index: String(i), id: a.id }, onclick: () => openAlert(a.id) },
        h('span', {}, h('span', { class: `sev sev-${a.severity}` }, String(a.severity))),
        h('span', { class: s.cls, dataset: { sla: String(i) } }, s.text),
        h('span', {}, a.status.replace('_', ' ')),
        h('span', {}, a.assignee ?? ''),
        h('span', {}, a.source),
        h('span', { title: a.explanation }, a.signature),
        h('span', { class: 'mono' }, `${a.src_ip}:${a.src_port} > ${a.dest_ip}:${a.dest_port}`),
        h('span', {}, a.triage_verdict ? a.triage_verdict.replace('_', ' ') : 'pending')));
    }
    spacer.replaceChildren(...nodes);
    if (last >= rows.length - 50 && state.next && !state.loading) loadAlerts(false).then(draw);
  }
  function move(delta) {
    let i = Math.max(0, Math.min(rows.length - 1, state.selected + delta));
    while (rows[i] && rows[i].group !== undefined && i + Math.sign(delta || 1) >= 0 && i + Math.sign(delta || 1) < rows.length) i += Math.sign(delta || 1);
    state.selected = i;
    const y = i * ROW_HEIGHT;
    if (y < viewport.scrollTop) viewport.scrollTop = y;
    else if (y + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = y + ROW_HEIGHT - viewport.clientHeight;
    paint();
  }
  // The first-look countdown ticks in place; rows are rebuilt only when the view changes.
  function tick() {
    for (const el of spacer.querySelectorAll('[data-sla]')) {
      const r = rows[Number(el.dataset.sla)];
      if (!r || !r.alert) continue;
      const s = sla(r.alert);
      el.textContent = s.text;
      el.className = s.cls;
    }
  }
  viewport.addEventListener('scroll', () => paint(false), { passive: true });
  viewport.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'j') { move(1); ev.preventDefault(); }
    else if (ev.key === 'ArrowUp' || ev.key === 'k') { move(-1); ev.preventDefault(); }
    else if (ev.key === 'PageDown') { move(Math.floor(viewport.clientHeight / ROW_HEIGHT)); ev.preventDefault(); }
    else if (ev.key === 'PageUp') { move(-Math.floor(viewport.clientHeight / ROW_HEIGHT)); ev.preventDefault(); }
    else if (ev.key === 'Enter') { const r = rows[state.selected]; if (r?.alert) openAlert(r.alert.id); }
  });
  async function refresh() {
    state.selected = 0;
    await loadAlerts(true);
    draw();
  }
  setMain(filters, head, viewport);
  queueKeys = (ev) => {
    if (ev.key === '/' && document.activeElement !== search) { search.focus(); ev.preventDefault(); }
  };
  if (state.alerts.length === 0) refresh(); else draw();
  viewport.focus();
  clearInterval(ticker);
  ticker = setInterval(tick, 1000);
}
let ticker;
let queueKeys = null;

// ---------------------------------------------------------------- detail
function openAlert(id) {
  location.hash = `#/alert/${encodeURIComponent(id)}`;
}

function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v instanceof Node ? v : String(v))]));
}

function actionOf(report, name) {
  return report?.actions?.find((a) => a.action === name);
}

async function renderAlert(id) {
  markNav('');
  clearInterval(ticker);
  const d = await api(`/api/alerts/${encodeURIComponent(id)}`);
  const a = d.alert;
  const report = d.triage?.report;
  const left = [];
  const right = [];

  left.push(h('div', { class: 'card' }, h('h2', {}, a.alert.signature),
    h('div', { class: 'explanation', 'data-test': 'explanation' }, a.explanation),
    kv([['Time', fmtTime(a.ts_us)], ['Source', a.source], ['Severity', a.alert.severity], ['Confidence', `${Math.round(a.confidence * 100)}%`],
      ['Flow', `${a.src_ip}:${a.src_port} -> ${a.dest_ip}:${a.dest_port} ${a.proto}`], ['Application', a.app_proto], ['Rules', (a.rules ?? []).join(', ')]])));

  if (report) {
    const cls = report.verdict === 'true_positive' ? 'verdict-tp' : report.verdict === 'benign' ? 'verdict-benign' : 'verdict-needs';
    left.push(h('div', { class: 'card', 'data-test': 'triage-verdict' }, h('h2', {}, 'Automatic verdict'),
      h('div', { class: cls }, `${report.verdict.replace('_', ' ')} (${Math.round(report.confidence * 100)}%)`),
      h('ul', { class: 'reasons' }, report.reasons.map((r) => h('li', {}, r))),
      h('div', { class: 'muted' }, `triaged in ${Math.round(report.duration_ms)} ms`)));
    const roles = actionOf(report, 'endpoint_roles')?.evidence;
    const enr = actionOf(report, 'enrichment')?.evidence;
    if (roles || enr) {
      right.push(h('div', { class: 'card' }, h('h2', {}, 'Endpoints'),
        kv([['Client', roles ? `${roles.client.ip}:${roles.client.port} (${roles.client.is_internal ? 'internal' : 'external'})` : ''],
          ['Server', roles ? `${roles.server.ip}:${roles.server.port} (${roles.server.is_internal ? 'internal' : 'external'})` : ''],
          ['Usual service', roles?.server.usual_service], ['AS', enr?.asn ? `AS${enr.asn.number} ${enr.asn.organisation}` : 'unknown'],
          ['Hosting', enr?.hosting ? `${enr.hosting.name} (${enr.hosting.kind})` : 'no'],
          ['Names', enr?.names?.join(', ')], ['Listed pools', enr?.pool_matches?.map((m) => m.name).join(', ')]])));
    }
    const flows = actionOf(report, 'flows');
    left.push(renderFlows(flows, a));
    left.push(renderCapture(actionOf(report, 'capture')));
    const next = actionOf(report, 'next_steps')?.evidence;
    if (next) {
      right.push(h('div', { class: 'card' }, h('h2', {}, 'Next steps'),
        h('ul', { class: 'reasons' }, [...next.on_the_host, ...next.ways_in, ...next.containment].map((s) => h('li', {}, s)))));
    }
    right.push(h('div', { class: 'card' }, h('h2', {}, 'Triage actions'),
      h('table', { class: 'plain' }, h('tbody', {}, report.actions.map((x) => h('tr', {}, h('td', {}, x.title), h('td', {}, x.status), h('td', { class: 'muted' }, x.reason ?? '')))))));
  } else {
    left.push(h('div', { class: 'card' }, h('h2', {}, 'Automatic verdict'), 'Triage has not run yet.'));
  }

  right.unshift(renderVerdictPanel(a, d));
  right.push(h('div', { class: 'card' }, h('h2', {}, 'History'),
    h('ul', { class: 'reasons' }, d.audit.map((x) => h('li', {}, `${fmtTime(x.ts_us)} ${x.username} ${x.action} ${x.detail?.to ?? ''}`)))));

  setMain(h('p', {}, h('a', { href: '#/queue' }, '< back to the queue')), h('div', { class: 'detail' }, h('div', {}, left), h('div', {}, right)));
  const chartHost = document.getElementById('pair-chart');
  if (chartHost) drawChart(chartHost, actionOf(report, 'flows')?.evidence);
}

function renderVerdictPanel(a, d) {
  const note = h('textarea', { rows: '2', placeholder: 'note', 'aria-label': 'verdict note' });
  const msg = h('div', { class: 'muted', role: 'status' });
  const canWrite = state.me && state.me.role !== 'read_only';
  const verdictButton = (v, label) => h('button', { dataset: { verdict: v }, disabled: !canWrite, onclick: async () => {
    try {
      await api(`/api/alerts/${encodeURIComponent(a.id)}/verdict`, { method: 'POST', body: { verdict: v, ...(note.value ? { note: note.value } : {}) } });
      msg.textContent = `Recorded: ${label}`;
      state.alerts = [];
      renderAlert(a.id);
    } catch (e) { msg.textContent = e.message; }
  } }, label);
  const assignee = h('input', { value: a.assignee ?? '', placeholder: 'assignee', 'aria-label': 'assignee' });
  return h('div', { class: 'card', 'data-test': 'analyst-verdict' }, h('h2', {}, 'Your verdict'),
    kv([['Status', a.status.replace('_', ' ')], ['Verdict', a.verdict ? a.verdict.replace('_', ' ') : 'none'], ['Note', a.verdict_note], ['Assignee', a.assignee]]),
    h('div', { class: 'actions' }, verdictButton('true_positive', 'TruePositive'), verdictButton('false_positive', 'FalsePositive'), verdictButton('benign', 'Benign'), verdictButton('indeterminate', 'Indeterminate')),
    note,
    h('div', { class: 'actions' }, assignee, h('button', { disabled: !canWrite, onclick: async () => {
      try { await api(`/api/alerts/${encodeURIComponent(a.id)}/assign`, { method: 'POST', body: { assignee: assignee.value || null } }); renderAlert(a.id); } catch (e) { msg.textContent = e.message; }
    } }, 'Assign'), h('button', { disabled: !canWrite, onclick: async () => {
      try { msg.textContent = 'Running triage...'; await api(`/api/alerts/${encodeURIComponent(a.id)}/triage`, { method: 'POST', body: {} }); renderAlert(a.id); } catch (e) { msg.textContent = e.message; }
    } }, 'Re-run triage')),
    h('div', { class: 'actions' },
      d.has_pcap ? h('a', { href: `/api/alerts/${encodeURIComponent(a.id)}/pcap`, download: '' }, 'Download pcap') : h('span', { class: 'muted' }, 'No pcap kept'),
      h('a', { href: `/api/alerts/${encodeURIComponent(a.id)}/report?format=markdown`, download: '' }, 'Report (Markdown)'),
      h('a', { href: `/api/alerts/${encodeURIComponent(a.id)}/report?format=html`, download: '' }, 'Report (HTML)')),
    msg);
}

function renderFlows(action) {
  const card = h('div', { class: 'card', 'data-test': 'flows' }, h('h2', {}, 'Connections and bytes over time'));
  if (!action || action.status !== 'done') {
    card.append(h('div', { class: 'muted' }, action?.reason ?? 'No flow data.'));
    return card;
  }
  const ev = action.evidence;
  card.append(h('div', { id: 'pair-chart', 'data-test': 'chart' }));
  card.append(h('table', { class: 'plain' }, h('thead', {}, h('tr', {}, ['Client', 'Server', 'Connections', 'Beacon', 'Bytes up (median)', 'CV', 'Interval (s)'].map((t) => h('th', {}, t)))),
    h('tbody', {}, ev.pairs.slice(0, 20).map((p) => h('tr', {}, h('td', {}, p.client), h('td', {}, `${p.server}:${p.server_port}`), h('td', {}, p.connections),
      h('td', {}, p.beacon_score.toFixed(2)), h('td', {}, Math.round(p.bytes_toserver_median)), h('td', {}, p.bytes_cv.toFixed(2)), h('td', {}, p.interval_median_s ?? '-'))))));
  if (ev.internal_clients?.length) card.append(h('div', { class: 'muted' }, `Internal hosts talking to it: ${ev.internal_clients.join(', ')}`));
  return card;
}

function drawChart(host, ev) {
  const tl = ev?.timeline ?? [];
  if (!tl.length || typeof window.uPlot !== 'function') {
    host.append(h('div', { class: 'muted' }, tl.length ? 'Chart library not loaded.' : 'No connections in the window.'));
    return;
  }
  const xs = tl.map((t) => t.start_us / 1e6);
  const up = tl.map((t) => t.bytes_toserver);
  const down = tl.map((t) => t.bytes_toclient);
  new window.uPlot({ width: Math.max(320, host.clientWidth || 640), height: 200, series: [{}, { label: 'bytes to server', stroke: '#4fa3ff', points: { show: true } }, { label: 'bytes to client', stroke: '#ffb347', points: { show: true } }], axes: [{ stroke: '#8a97a6' }, { stroke: '#8a97a6' }] }, [xs, up, down], host);
}

function renderCapture(action) {
  const card = h('div', { class: 'card', 'data-test': 'capture' }, h('h2', {}, 'Capture'));
  if (!action || action.status !== 'done') {
    card.append(h('div', { class: 'muted' }, action?.reason ?? 'No capture.'));
    return card;
  }
  const c = action.evidence;
  card.append(h('div', {}, `${c.flow_packets} packets of this flow from ${c.source}; steps: `, h('strong', { 'data-test': 'steps' }, c.steps.join(' -> ') || 'none')));
  card.append(h('h3', {}, 'Stratum conversation'));
  card.append(h('ol', { class: 'timeline', 'data-test': 'timeline' }, c.messages.map((m) => h('li', { class: `step-${m.step ?? 'other'}` },
    h('span', { class: 'step-tag' }, m.step ?? 'message'), h('span', { class: 'muted' }, `${fmtTime(m.ts_us)} ${m.side}`), h('pre', {}, m.text)))));
  card.append(h('h3', {}, 'Packets'));
  card.append(h('table', { class: 'plain' }, h('tbody', {}, c.packets.slice(0, 200).map((p) => h('tr', {}, h('td', {}, p.frame), h('td', {}, fmtTime(p.ts_us)), h('td', {}, p.layers.join(' / ')), h('td', { class: 'mono' }, p.summary))))));
  if (c.strings.length) {
    card.append(h('h3', {}, 'Readable strings'));
    card.append(h('pre', { 'data-test': 'strings' }, c.strings.slice(0, 200).join('\n')));
  }
  return card;
}

// ---------------------------------------------------------------- metrics
async function renderMetrics() {
  markNav('metrics');
  clearInterval(ticker);
  const m = await api('/api/metrics?days=30');
  const rateRow = (r) => {
    const rate = r.decided ? h('span', {}, h('span', { class: 'bar', style: `width:${Math.round(r.tp_rate * 80)}px` }), ` ${Math.round(r.tp_rate * 100)}%`) : '-';
    return h('tr', {}, h('td', {}, r.key), h('td', {}, r.alerts), h('td', {}, r.decided), h('td', {}, r.true_positive), h('td', {}, rate));
  };
  const rateTable = (title, rows) => {
    const head = h('thead', {}, h('tr', {}, ['', 'alerts', 'with verdict', 'true positive', 'TP rate'].map((t) => h('th', {}, t))));
    return h('div', { class: 'card' }, h('h2', {}, title), h('table', { class: 'plain', 'data-test': title }, head, h('tbody', {}, rows.map(rateRow))));
  };
  const dist = (title, d) => h('div', { class: 'card' }, h('h2', {}, title),
    d.count ? kv([['count', d.count], ['median', fmtDuration(d.p50_us)], ['90th percentile', fmtDuration(d.p90_us)], ['max', fmtDuration(d.max_us)], ['within 15 min', d.within_target !== undefined ? `${Math.round(d.within_target * 100)}%` : undefined]]) : h('div', { class: 'muted' }, 'no data yet'));
  const perDay = h('div', { class: 'card' }, h('h2', {}, 'Alerts per day'),
    h('table', { class: 'plain' }, h('tbody', {}, m.per_day.map((r) => h('tr', {}, h('td', {}, r.day), h('td', {}, h('span', { class: 'bar', style: `width:${Math.min(300, r.alerts)}px` }), ` ${r.alerts}`))))));
  setMain(h('div', { class: 'metrics-grid', 'data-test': 'metrics' }, rateTable('True-positive rate per signature', m.by_signature), rateTable('True-positive rate per source', m.by_source), dist('Time to first look', m.time_to_first_look), dist('Time to verdict', m.time_to_verdict), perDay));
}

// ---------------------------------------------------------------- routing
function markNav(name) {
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === name);
}

async function route() {
  if (!state.me) return;
  const hash = location.hash || '#/queue';
  try {
    if (hash.startsWith('#/alert/')) await renderAlert(decodeURIComponent(hash.slice(8)));
    else if (hash === '#/metrics') await renderMetrics();
    else renderQueue();
  } catch (e) {
    if (state.me) setMain(h('div', { class: 'error' }, e.message));
  }
}

function start() {
  document.getElementById('nav').hidden = false;
  document.getElementById('who').textContent = `${state.me.username} (${state.me.role.replace('_', ' ')})`;
  route();
}

window.addEventListener('hashchange', route);
document.addEventListener('keydown', (ev) => {
  if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLTextAreaElement) return;
  if (ev.key === 'Escape' && location.hash.startsWith('#/alert/')) location.hash = '#/queue';
  else if (queueKeys && (location.hash === '' || location.hash === '#/queue')) queueKeys(ev);
});

(async () => {
  try {
    const me = await fetch('/api/me', { credentials: 'same-origin' });
    if (me.ok) {
      state.me = await me.json();
      state.csrf = state.me.csrf_token;
      start();
    } else renderLogin();
  } catch {
    renderLogin();
  }
})();
