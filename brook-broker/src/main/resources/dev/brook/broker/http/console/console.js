// Brook's web console: plain JS, no build step. Pages are drawn from the broker's /api (JSON);
// every input goes out form-encoded, every error comes back as {"error_code", "message"}.
// With an authorizer on the broker, calls carry HTTP Basic credentials once the user has logged in
// (kept in this tab's sessionStorage only), and the page offers only what the ACLs allow: a control
// that would be refused is not drawn (the broker checks every call again anyway).
'use strict';

const page = document.getElementById('page');
const statusBar = document.getElementById('status');
let timers = [];

function esc(s) {
  return s == null ? '' : String(s).replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}
function fmt(n) {
  if (n == null) return '—';
  if (typeof n === 'number' && !Number.isInteger(n)) return n.toFixed(1);
  return Number(n).toLocaleString('en');
}
function bytes(n) {
  if (n == null) return '—';
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : Math.round(n)) + ' ' + u[i];
}
function say(text, ok) {
  statusBar.textContent = text || '';
  statusBar.className = text ? (ok ? 'ok' : 'error') : '';
}
// The broker answers every /api call within 15 s (a 504 JSON error past that); the page gives up a
// little later in case the connection itself is lost, so it shows an error, never "Loading…" forever.
const API_TIMEOUT_MS = 20000;
let session = {authorization: false, principal: 'User:ANONYMOUS', authenticated: false, mayCreateTopics: true};
function credentials() { return sessionStorage.getItem('brook-basic'); }
async function api(path, method, form, basic) {
  // X-Requested-With: a 401 comes without a Basic challenge, so the browser shows no dialog of its own.
  const opts = {method: method || 'GET', signal: AbortSignal.timeout(API_TIMEOUT_MS), headers: {'X-Requested-With': 'XMLHttpRequest'}};
  const auth = basic || credentials();
  if (auth) opts.headers['Authorization'] = 'Basic ' + auth;
  if (form) {
    opts.body = new URLSearchParams(form);
    opts.headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  let r;
  try {
    r = await fetch('/api' + path, opts);
  } catch (err) {
    throw new Error(err.name === 'TimeoutError' ? `no answer from the broker in ${API_TIMEOUT_MS / 1000} s` : 'the broker is unreachable: ' + err.message);
  }
  const body = await r.json().catch(() => ({message: 'HTTP ' + r.status + ' without a JSON body'}));
  if (!r.ok) {
    const e = new Error(body.message || ('HTTP ' + r.status));
    e.status = r.status;
    throw e;
  }
  return body;
}
function may(thing, op) { return (thing.operations || []).includes(op); }
function readOnly(what) {
  return `<p class="readonly" id="readonly-note">Read-only: ${esc(session.principal)} may not ${esc(what)}.${session.authenticated ? '' : ' Log in to do more.'}</p>`;
}

// Who is using the page: the broker's answer to /api/session, with the stored credentials if any.
async function loadSession() {
  try {
    session = await api('/session');
  } catch (err) {
    if (err.status === 401 && credentials()) { sessionStorage.removeItem('brook-basic'); return loadSession(); }
    throw err;
  }
  const account = document.getElementById('account');
  account.hidden = !session.authorization;
  document.getElementById('who').textContent = session.principal;
  document.getElementById('login').hidden = session.authenticated;
  document.getElementById('logout').hidden = !session.authenticated;
}
document.getElementById('login').onsubmit = async e => {
  e.preventDefault();
  const user = document.getElementById('login-user').value;
  const password = document.getElementById('login-password').value;
  const basic = btoa(String.fromCharCode(...new TextEncoder().encode(user + ':' + password)));
  try {
    await api('/session', 'GET', null, basic);
    sessionStorage.setItem('brook-basic', basic);
    document.getElementById('login-password').value = '';
    await loadSession();
    say('Logged in as ' + session.principal, true);
    route();
  } catch (err) { say(err.status === 401 ? 'Login failed: ' + err.message : err.message); }
};
document.getElementById('logout').onclick = async () => {
  sessionStorage.removeItem('brook-basic');
  await loadSession();
  say('Logged out', true);
  route();
};
function formData(form) {
  const out = {};
  for (const el of form.elements) if (el.name) out[el.name] = el.value;
  return out;
}

// A line chart of [[timeMs, value], …] as inline SVG.
function chart(id, points, label) {
  const w = 720, h = 180, pad = 36;
  if (!points.length) return `<svg id="${id}" class="chart" width="${w}" height="${h}" data-points="0"><text x="20" y="90">no history yet (one point every 10 s)</text></svg>`;
  const t0 = points[0][0], t1 = points[points.length - 1][0] || t0 + 1;
  const max = Math.max(1, ...points.map(p => p[1]));
  const x = t => pad + (w - 2 * pad) * (t1 === t0 ? 1 : (t - t0) / (t1 - t0));
  const y = v => h - pad + 10 - (h - 2 * pad) * v / max;
  const d = points.map((p, i) => (i ? 'L' : 'M') + x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
  const last = points[points.length - 1][1];
  return `<svg id="${id}" class="chart" width="${w}" height="${h}" data-points="${points.length}" data-last="${last}" data-max="${max}">
    <text x="${pad}" y="16" font-size="12">${esc(label)} — max ${fmt(max)}, now ${fmt(last)}</text>
    <line x1="${pad}" y1="${h - pad + 10}" x2="${w - pad}" y2="${h - pad + 10}" stroke="#99a"/>
    <text x="${pad}" y="${h - 6}" font-size="11">${new Date(t0).toLocaleTimeString()}</text>
    <text x="${w - pad - 60}" y="${h - 6}" font-size="11">${new Date(t1).toLocaleTimeString()}</text>
    <path d="${d}" fill="none" stroke="#1f6feb" stroke-width="2"/></svg>`;
}

// ---------------------------------------------------------------------------------------------
// Pages

async function overview() {
  const o = await api('/overview');
  page.innerHTML = `<h1>Cluster ${esc(o.clusterId)}</h1>
    <div class="cards">
      <div class="card">Brokers<b id="ov-brokers">${o.brokers.length}</b></div>
      <div class="card">Controller<b>${o.controller}</b></div>
      <div class="card">Topics<b id="ov-topics">${fmt(o.topics)}</b></div>
      <div class="card">Partitions<b id="ov-partitions">${fmt(o.partitions)}</b></div>
      <div class="card">Under-replicated<b class="${o.underReplicated ? 'bad' : ''}">${fmt(o.underReplicated)}</b></div>
      <div class="card">Offline<b class="${o.offline ? 'bad' : ''}">${fmt(o.offline)}</b></div>
      <div class="card">Messages in /s<b>${fmt(o.messagesInPerSec)}</b></div>
      <div class="card">Bytes in /s<b>${o.bytesInPerSec == null ? '—' : bytes(o.bytesInPerSec)}</b></div>
      <div class="card">Bytes out /s<b>${o.bytesOutPerSec == null ? '—' : bytes(o.bytesOutPerSec)}</b></div>
    </div>
    <h2>Brokers</h2>
    <table><tr><th>id</th><th>host</th><th>port</th><th>rack</th></tr>
    ${o.brokers.map(b => `<tr><td>${b.id}</td><td>${esc(b.host)}</td><td>${b.port}</td><td>${esc(b.rack)}</td></tr>`).join('')}</table>
    <h2>Throughput (messages per ${o.historyIntervalMs / 1000} s)</h2>
    ${chart('throughput-chart', o.throughputHistory, 'messages in')}`;
}

async function topics() {
  const t = await api('/topics');
  page.innerHTML = `<h1>Topics</h1>
    ${session.mayCreateTopics ? `<form id="create-topic">
      <label>name<input name="name" id="create-name" required></label>
      <label>partitions<input name="partitions" id="create-partitions" value="1" size="4"></label>
      <label>replication factor<input name="replicationFactor" value="1" size="4"></label>
      <label>configs (k=v, …)<input name="configs" id="create-configs" size="30"></label>
      <button id="create-submit">Create topic</button>
    </form>` : readOnly('create topics')}
    <table id="topics-table"><tr><th>topic</th><th>partitions</th><th>size</th><th>messages</th><th>msg/s</th><th></th></tr>
    ${t.topics.map(x => `<tr data-topic="${esc(x.name)}"><td><a href="#/topic/${encodeURIComponent(x.name)}">${esc(x.name)}</a></td>
      <td class="num">${x.partitions}</td><td class="num">${bytes(x.sizeBytes)}</td><td class="num">${fmt(x.messages)}</td>
      <td class="num">${fmt(x.messagesInPerSec)}</td>
      <td>${x.internal ? '' : `${may(x, 'READ') || may(x, 'WRITE') ? `<a href="#/messages/${encodeURIComponent(x.name)}">messages</a>` : ''}
        ${may(x, 'DELETE') ? `<button class="delete-topic" data-topic="${esc(x.name)}">delete</button>` : ''}`}</td></tr>`).join('')}</table>`;
  const create = document.getElementById('create-topic');
  if (create) create.onsubmit = async e => {
    e.preventDefault();
    const f = formData(e.target);
    try {
      await api('/topics', 'POST', f);
      say('Created topic ' + f.name, true);
      location.hash = '#/topic/' + encodeURIComponent(f.name);
    } catch (err) { say(err.message); }
  };
  for (const b of document.querySelectorAll('.delete-topic')) {
    b.onclick = async () => {
      if (!confirm('Delete topic ' + b.dataset.topic + '?')) return;
      try { await api('/topics/' + encodeURIComponent(b.dataset.topic), 'DELETE'); say('Deleted ' + b.dataset.topic, true); route(); }
      catch (err) { say(err.message); }
    };
  }
}

async function topic(name) {
  const t = await api('/topics/' + encodeURIComponent(name));
  page.innerHTML = `<h1>Topic ${esc(t.name)}</h1>
    <p><a id="to-messages" href="#/messages/${encodeURIComponent(t.name)}">Browse, search, tail and produce messages →</a></p>
    <h2>Partitions</h2>
    <table id="partitions-table"><tr><th>partition</th><th>leader</th><th>epoch</th><th>replicas</th><th>ISR</th><th>start</th><th>end</th><th>HW</th><th>size</th></tr>
    ${t.partitions.map(p => `<tr><td>${p.partition}</td><td>${p.leader}</td><td>${p.leaderEpoch}</td><td>${p.replicas.join(',')}</td>
      <td>${p.isr.join(',')}</td><td class="num">${fmt(p.logStartOffset)}</td><td class="num">${fmt(p.logEndOffset)}</td>
      <td class="num">${fmt(p.highWatermark)}</td><td class="num">${bytes(p.sizeBytes)}</td></tr>`).join('')}</table>
    <h2>Throughput</h2>${chart('topic-chart', t.history, 'messages per interval')}
    <h2>Configs</h2>
    ${may(t, 'ALTER_CONFIGS') ? `<form id="alter-configs"><label>set (k=v, …; k= removes the override)<input name="configs" id="alter-input" size="40"></label><button>Apply</button></form>`
      : readOnly('alter the configs of ' + t.name)}
    ${t.configsAuthorized === false ? '<p>Not allowed to describe this topic\'s configs (DESCRIBE_CONFIGS).</p>' : ''}
    <table id="configs-table"><tr><th>name</th><th>value</th><th>source</th></tr>
    ${t.configs.map(c => `<tr><td>${esc(c.name)}</td><td>${esc(c.value)}</td><td>${esc(c.source)}</td></tr>`).join('')}</table>`;
  const alter = document.getElementById('alter-configs');
  if (alter) alter.onsubmit = async e => {
    e.preventDefault();
    try { await api('/topics/' + encodeURIComponent(name) + '/configs', 'POST', formData(e.target)); say('Configs altered', true); route(); }
    catch (err) { say(err.message); }
  };
}

function recordRows(records) {
  return records.map(r => `<tr><td>${r.partition}</td><td class="num">${r.offset}</td><td>${new Date(r.timestamp).toISOString()}</td>
    <td><pre>${esc(r.key)}</pre></td><td><pre class="value">${esc(r.value)}</pre></td>
    <td><pre>${esc(Object.entries(r.headers).map(([k, v]) => k + '=' + v).join('\n'))}</pre></td></tr>`).join('');
}
function pretty(records, format) {
  if (format !== 'json') return records;
  return records.map(r => {
    try { return Object.assign({}, r, {value: JSON.stringify(JSON.parse(r.value), null, 2)}); } catch (e) { return r; }
  });
}
const RECORD_HEAD = '<tr><th>partition</th><th>offset</th><th>timestamp</th><th>key</th><th>value</th><th>headers</th></tr>';

async function messages(name) {
  const t = await api('/topics/' + encodeURIComponent(name));
  const canRead = may(t, 'READ');
  page.innerHTML = `<h1>Messages of <a href="#/topic/${encodeURIComponent(name)}">${esc(name)}</a></h1>
    <h2>Produce</h2>
    ${may(t, 'WRITE') ? `<form id="produce">
      <label>key<input name="key" id="produce-key"></label>
      <label>value<textarea name="value" id="produce-value" rows="2" cols="40"></textarea></label>
      <label>headers (k=v, …)<input name="headers" id="produce-headers"></label>
      <label>partition<input name="partition" size="4"></label>
      <button id="produce-submit">Produce</button>
    </form>` : readOnly('produce to ' + name)}
    <h2>Browse and search</h2>
    ${canRead ? '' : readOnly('read ' + name)}
    <form id="browse" ${canRead ? '' : 'hidden'}>
      <label>partition<input name="partition" size="4"></label>
      <label>from offset<input name="offset" size="8"></label>
      <label>from timestamp (ms)<input name="timestamp" size="14"></label>
      <label>limit<input name="limit" value="50" size="4"></label>
      <label>search<input name="q" id="search-q"></label>
      <label>as<select name="mode" id="search-mode"><option value="text">text</option><option value="regex">regex</option></select></label>
      <label>in<select name="in"><option value="any">any</option><option value="key">key</option><option value="value">value</option><option value="header">header</option></select></label>
      <label>render<select name="format" id="format"><option value="text">text</option><option value="json">json</option><option value="hex">hex</option></select></label>
      <button id="browse-submit">Search</button>
    </form>
    <table id="browse-table">${RECORD_HEAD}</table>
    <h2>Live tail</h2>
    <button id="tail-toggle" ${canRead ? '' : 'hidden'}>Start live tail</button> <span id="tail-state"></span>
    <table id="tail-table">${RECORD_HEAD}</table>`;
  const produce = document.getElementById('produce');
  if (produce) produce.onsubmit = async e => {
    e.preventDefault();
    try {
      const r = await api('/topics/' + encodeURIComponent(name) + '/records', 'POST', formData(e.target));
      say(`Produced to partition ${r.partition} at offset ${r.offset}`, true);
    } catch (err) { say(err.message); }
  };
  document.getElementById('browse').onsubmit = async e => {
    e.preventDefault();
    const f = formData(e.target);
    try {
      const r = await api('/topics/' + encodeURIComponent(name) + '/messages?' + new URLSearchParams(f));
      document.getElementById('browse-table').innerHTML = RECORD_HEAD + recordRows(pretty(r.records, f.format));
      say(`${r.records.length} record(s) found, ${r.scanned} scanned`, true);
    } catch (err) { say(err.message); }
  };
  let positions = null, tailing = false;
  const toggle = document.getElementById('tail-toggle');
  const state = document.getElementById('tail-state');
  async function poll() {
    if (!tailing) return;
    try {
      const p = new URLSearchParams({format: document.getElementById('format').value});
      if (positions) p.set('positions', positions);
      const r = await api('/topics/' + encodeURIComponent(name) + '/tail?' + p);
      positions = r.positions;
      if (r.records.length) {
        const table = document.getElementById('tail-table');
        table.insertAdjacentHTML('beforeend', recordRows(r.records));
      }
      state.textContent = 'tailing from ' + positions;
    } catch (err) { say(err.message); }
    if (tailing) timers.push(setTimeout(poll, 500));
  }
  toggle.onclick = () => {
    tailing = !tailing;
    toggle.textContent = tailing ? 'Stop live tail' : 'Start live tail';
    if (tailing) poll(); else state.textContent = 'stopped';
  };
}

async function groups() {
  const g = await api('/groups');
  page.innerHTML = `<h1>Consumer groups</h1>
    <table id="groups-table"><tr><th>group</th><th>state</th><th>type</th><th>lag</th></tr>
    ${g.groups.map(x => `<tr><td><a href="#/group/${encodeURIComponent(x.groupId)}">${esc(x.groupId)}</a></td><td>${esc(x.state)}</td>
      <td>${esc(x.type)}</td><td class="num">${fmt(x.lag)}</td></tr>`).join('')}</table>`;
}

async function group(id) {
  const g = await api('/groups/' + encodeURIComponent(id));
  page.innerHTML = `<h1>Group ${esc(g.groupId)}</h1>
    <div class="cards"><div class="card">State<b id="group-state">${esc(g.state)}</b></div>
      <div class="card">Members<b>${g.members.length}</b></div>
      <div class="card">Total lag<b id="group-lag">${fmt(g.totalLag)}</b></div>
      <div class="card">Coordinator<b>${g.coordinator}</b></div></div>
    <h2>Lag over time</h2>${chart('lag-chart', g.history, 'total lag')}
    <h2>Lag per partition</h2>
    <table id="lag-table"><tr><th>topic</th><th>partition</th><th>committed</th><th>high watermark</th><th>lag</th></tr>
    ${g.lag.map(l => `<tr><td>${esc(l.topic)}</td><td>${l.partition}</td><td class="num">${fmt(l.committed)}</td>
      <td class="num">${fmt(l.highWatermark)}</td><td class="num">${fmt(l.lag)}</td></tr>`).join('')}</table>
    <h2>Members</h2>
    <table><tr><th>member</th><th>client</th><th>host</th><th>assignment</th></tr>
    ${g.members.map(m => `<tr><td>${esc(m.memberId)}</td><td>${esc(m.clientId)}</td><td>${esc(m.host)}</td><td>${esc(m.assignment.join(', '))}</td></tr>`).join('')}</table>
    <h2>Reset offsets (the group must have no members)</h2>
    ${may(g, 'READ') ? `<form id="reset">
      <label>topic<input name="topic" id="reset-topic" value="${esc(g.lag.length ? g.lag[0].topic : '')}"></label>
      <label>to<select name="to" id="reset-to"><option>earliest</option><option>latest</option><option>offset</option><option>timestamp</option></select></label>
      <label>offset or timestamp<input name="value" id="reset-value" size="14"></label>
      <button id="reset-submit">Reset</button>
    </form>` : readOnly('reset the offsets of ' + g.groupId)}`;
  const reset = document.getElementById('reset');
  if (reset) reset.onsubmit = async e => {
    e.preventDefault();
    try { await api('/groups/' + encodeURIComponent(id) + '/reset', 'POST', formData(e.target)); say('Offsets reset', true); route(); }
    catch (err) { say(err.message); }
  };
  timers.push(setTimeout(() => { if (location.hash === '#/group/' + encodeURIComponent(id)) route(); }, 5000));
}

async function transactions() {
  const t = await api('/transactions');
  page.innerHTML = `<h1>Transactions</h1>
    <table id="txn-table"><tr><th>transactional id</th><th>state</th><th>producer</th><th>epoch</th><th>timeout</th><th>started</th><th>hanging</th><th>partitions</th></tr>
    ${t.transactions.map(x => `<tr><td>${esc(x.transactionalId)}</td><td>${esc(x.state)}</td><td>${x.producerId}</td><td>${x.producerEpoch}</td>
      <td>${x.timeoutMs} ms</td><td>${x.startTimeMs > 0 ? new Date(x.startTimeMs).toISOString() : ''}</td>
      <td class="${x.hanging ? 'bad' : ''}">${x.hanging ? 'HANGING' : 'no'}</td><td>${esc(x.partitions.join(', '))}</td></tr>`).join('')}</table>`;
}

// ---------------------------------------------------------------------------------------------
// Routing

async function route() {
  for (const t of timers) clearTimeout(t);
  timers = [];
  const parts = (location.hash || '#/').slice(2).split('/');
  const arg = parts[1] ? decodeURIComponent(parts[1]) : null;
  const started = performance.now();
  try {
    switch (parts[0]) {
      case '': await overview(); break;
      case 'topics': await topics(); break;
      case 'topic': await topic(arg); break;
      case 'messages': await messages(arg); break;
      case 'groups': await groups(); break;
      case 'group': await group(arg); break;
      case 'transactions': await transactions(); break;
      default: page.textContent = 'No such page.';
    }
    document.body.dataset.loadedMs = Math.round(performance.now() - started);
    document.body.dataset.page = location.hash || '#/';
  } catch (err) {
    page.textContent = 'This page could not be loaded: ' + err.message;
    say(err.message);
  }
}
window.addEventListener('hashchange', () => { say(''); route(); });
loadSession().catch(err => say(err.message)).finally(route);
