// The Atlas node dashboard: takes over the server-rendered page (GET /) and
// keeps it live. Vanilla ES2020, no framework, nothing from a CDN. Data only
// ever reaches the DOM as text (textContent), never as HTML.
//
// Auth: the session cookie set by /ui/login (docs/node.md) rides along with
// every same-origin fetch() and EventSource; when an event stream is refused
// anyway, a signed URL from POST /v1/signed-urls is tried once.
'use strict';

(() => {
  const MAX_LINES = 2000;      // log lines kept in the view
  const SPARK_POINTS = 60;     // samples per sparkline
  const POLL = { apps: 10000, tree: 5000, deploys: 5000, compute: 5000, metrics: 3000 };

  const $ = (id) => document.getElementById(id);

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }

  function stateClass(s) {
    s = String(s || '');
    if (['running', 'ok', 'started', 'finished'].includes(s)) return 'ok';
    if (['restarting', 'starting', 'terminating', 'pending'].includes(s)) return 'warn';
    if (s === 'failed' || s === 'error' || s.startsWith('exit') || s.startsWith('timeout')) return 'bad';
    return '';
  }

  // ---- connection state and notices --------------------------------------

  let sessionLost = false;
  function setConn(state, text) {
    const c = $('conn');
    if (!c) return;
    c.className = 'conn ' + state;
    c.textContent = text;
  }
  function notice(key, text) {
    const box = $('notices');
    if (!box) return;
    let n = box.querySelector(`[data-key="${key}"]`);
    if (!text) { if (n) n.remove(); return; }
    if (!n) { n = el('p', { class: 'note', 'data-key': key }); box.append(n); }
    n.textContent = text;
  }

  /** fetch() a route of the node; resolves to {status, body} (JSON when it is JSON). */
  async function call(path, { method = 'GET', body, text = false } = {}) {
    const opts = { method, credentials: 'same-origin', headers: { Accept: text ? 'text/plain' : 'application/json' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, opts);
    } catch (e) {
      setConn('offline', 'offline');
      throw e;
    }
    if (r.status === 401 || r.status === 403) {
      if (!sessionLost) {
        sessionLost = true;
        notice('session', 'The session has expired or was refused: open a new dashboard URL (atlas node dashboard-url).');
      }
      setConn('offline', 'signed out');
    } else {
      setConn('live', 'live');
    }
    const type = r.headers.get('Content-Type') || '';
    const payload = !text && type.includes('json') ? await r.json().catch(() => null) : await r.text();
    return { status: r.status, ok: r.ok, body: payload };
  }

  function errorText(res) {
    const e = res && res.body && res.body.error;
    if (e && typeof e === 'object') return `${e.kind || 'error'}: ${e.message || ''}`;
    if (typeof e === 'string') return e;
    return `HTTP ${res ? res.status : '?'}`;
  }

  /** Runs `fn` now and every `ms` (the next run once the previous has ended). */
  function every(ms, fn) {
    const tick = async () => {
      try { await fn(); } catch (e) { /* offline: shown by setConn, tried again */ }
      setTimeout(tick, ms);
    };
    tick();
  }

  // ---- apps ---------------------------------------------------------------

  let knownApps = [];
  async function refreshApps() {
    const r = await call('/v1/apps');
    if (!r.ok || !r.body) return;
    const apps = Array.isArray(r.body.apps) ? r.body.apps : [];
    knownApps = apps;
    const tbody = $('apps-table').tBodies[0];
    const rows = apps.map((a) => {
      const t = a.token || {};
      const none = !t.source || t.source === 'none';
      return el('tr', { 'data-app': a.name, class: 'clickable', title: 'show its logs', onclick: () => logs.select(a.name) },
        el('td', { class: 'name', text: a.name }),
        el('td', { text: a.dir || '' }),
        el('td', { class: none ? 'bad' : 'ok', text: none ? 'none' : t.source }),
        el('td', { text: t.expires_at || '—' }));
    });
    if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 4, class: 'empty', text: 'no apps' })));
    tbody.replaceChildren(...rows);
    logs.setApps(apps.map((a) => a.name));
    const dirs = $('deploy-dirs');
    if (dirs) dirs.replaceChildren(...apps.filter((a) => a.dir).map((a) => el('option', { value: a.dir })));
  }

  // ---- live logs ------------------------------------------------------------

  /** One app's live log stream over SSE, with filter, pause and follow. */
  const logs = (() => {
    const view = $('log-view');
    const appSelect = $('log-app');
    const status = $('log-status');
    const pauseBtn = $('log-pause');
    const follow = $('log-follow');
    const filterIn = $('log-filter');
    let app = null;
    let source = null;
    let paused = false;
    let pending = [];
    let total = 0;
    let triedSigned = false;
    let lastId = '';   // the last event's id: a re-opened stream resumes after it
    let filter = '';

    function say(text) { status.textContent = text; }

    function counts() {
      const shown = view.querySelectorAll('.line:not(.hidden)').length;
      const all = view.querySelectorAll('.line').length;
      let s = `${all} lines` + (filter ? ` (${shown} match)` : '');
      if (paused) s += ` · paused, ${pending.length} waiting`;
      return s;
    }

    function matches(node) {
      return !filter || node.textContent.toLowerCase().includes(filter);
    }

    function lineNode(e) {
      const level = String(e.level || '').toLowerCase();
      const n = el('div', { class: 'line', 'data-id': e.id || '' },
        el('span', { class: 'ts', text: e.timestamp || '' }),
        el('span', { class: 'region', text: e.region || '' }),
        el('span', { class: 'instance', text: e.instance || '' }),
        el('span', { class: 'level level-' + level.replace(/[^a-z]/g, ''), text: e.level || '' }),
        el('span', { class: 'msg', text: e.message || '' }));
      if (!matches(n)) n.classList.add('hidden');
      return n;
    }

    function append(nodes) {
      if (!nodes.length) return;
      view.append(...nodes);
      let extra = view.childElementCount - MAX_LINES;
      while (extra-- > 0) view.firstElementChild.remove();
      if (follow.checked) view.scrollTop = view.scrollHeight;
    }

    function marker(text) {
      const n = el('div', { class: 'line marker', text });
      if (paused) pending.push(n); else append([n]);
    }

    function onEntries(entries) {
      const nodes = entries.map(lineNode);
      total += nodes.length;
      if (paused) pending.push(...nodes); else append(nodes);
      say(`${app}: ${counts()}`);
    }

    function close() {
      if (source) { source.close(); source = null; }
    }

    function streamPath() {
      const q = new URLSearchParams();
      const region = $('log-region').value.trim();
      const instance = $('log-instance').value.trim();
      if (region) q.set('region', region);
      if (instance) q.set('instance', instance);
      // A new EventSource cannot send Last-Event-ID: the node takes it as a parameter too.
      if (lastId) q.set('last_event_id', lastId);
      const qs = q.toString();
      return { path: `/v1/apps/${encodeURIComponent(app)}/logs/sse`, query: qs };
    }

    function open(url) {
      close();
      const es = new EventSource(url);
      source = es;
      say(`${app}: connecting…`);
      es.addEventListener('open', () => { triedSigned = false; say(`${app}: live · ${counts()}`); });
      es.addEventListener('logs', (ev) => {
        if (ev.lastEventId) lastId = ev.lastEventId;
        let d;
        try { d = JSON.parse(ev.data); } catch (e) { return; }
        onEntries(Array.isArray(d.entries) ? d.entries : []);
      });
      es.addEventListener('gap', (ev) => {
        let d = {};
        try { d = JSON.parse(ev.data); } catch (e) { /* a gap without detail is still a gap */ }
        marker(`— lines may be missing here${d.from ? ` (from ${d.from} to ${d.to || '?'})` : ''} —`);
      });
      es.addEventListener('stopped', () => { marker('— the stream stopped —'); say(`${app}: stopped`); close(); });
      es.addEventListener('evicted', () => {
        marker('— this view fell behind and was dropped by the node; reconnecting —');
        setTimeout(() => { if (source === es) start(); }, 1000);
      });
      es.addEventListener('error', () => {
        if (source !== es) return;
        if (es.readyState === EventSource.CLOSED) {
          // Refused (not 200): try once with a signed URL, as the contract allows.
          if (!triedSigned) { triedSigned = true; openSigned(); return; }
          say(`${app}: the node refused the stream`);
        } else {
          say(`${app}: reconnecting…`); // EventSource retries, sending Last-Event-ID
        }
      });
    }

    async function openSigned() {
      const { path, query } = streamPath();
      try {
        const r = await call('/v1/signed-urls', { method: 'POST', body: { path, ttl: '5m' } });
        if (r.ok && r.body && r.body.url) {
          open(r.body.url + (query ? (r.body.url.includes('?') ? '&' : '?') + query : ''));
          return;
        }
        say(`${app}: no stream (${errorText(r)})`);
      } catch (e) {
        say(`${app}: no stream (offline)`);
      }
    }

    function start() {
      if (!app) { close(); say('no app'); return; }
      const { path, query } = streamPath();
      open(path + (query ? '?' + query : ''));
    }

    function selectApp(name) {
      if (!name || name === app) return;
      app = name;
      appSelect.value = name;
      view.replaceChildren();
      pending = [];
      total = 0;
      triedSigned = false;
      lastId = '';
      if (location.hash !== '#logs=' + encodeURIComponent(name)) history.replaceState(null, '', '#logs=' + encodeURIComponent(name));
      start();
    }

    function setApps(names) {
      const current = Array.from(appSelect.options).map((o) => o.value);
      if (current.join('\n') !== names.join('\n')) {
        appSelect.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
        if (app) appSelect.value = app;
      }
      if (!app && names.length) {
        const m = /^#logs=(.+)$/.exec(location.hash);
        const wanted = m ? decodeURIComponent(m[1]) : null;
        selectApp(wanted && names.includes(wanted) ? wanted : names[0]);
      }
    }

    function setPaused(p) {
      paused = p;
      pauseBtn.textContent = p ? 'Resume' : 'Pause';
      pauseBtn.setAttribute('aria-pressed', String(p));
      if (!p) { const n = pending; pending = []; append(n); }
      say(`${app || ''}: ${counts()}`);
    }

    function applyFilter() {
      filter = filterIn.value.trim().toLowerCase();
      for (const n of view.querySelectorAll('.line')) n.classList.toggle('hidden', !matches(n));
      say(`${app || ''}: ${counts()}`);
    }

    function init() {
      $('log-controls').hidden = false;
      view.replaceChildren(); // the server's snapshot gives way to the live view
      say('waiting for the app list…');
      appSelect.addEventListener('change', () => selectApp(appSelect.value));
      pauseBtn.addEventListener('click', () => setPaused(!paused));
      $('log-clear').addEventListener('click', () => { view.replaceChildren(); pending = []; say(`${app || ''}: ${counts()}`); });
      filterIn.addEventListener('input', applyFilter);
      for (const id of ['log-region', 'log-instance'])
        $(id).addEventListener('change', () => { view.replaceChildren(); lastId = ''; start(); });
      // Scrolling up stops following; scrolling back to the end resumes it.
      view.addEventListener('scroll', () => {
        const atEnd = view.scrollHeight - view.scrollTop - view.clientHeight < 24;
        if (follow.checked !== atEnd) follow.checked = atEnd;
      });
      follow.addEventListener('change', () => { if (follow.checked) view.scrollTop = view.scrollHeight; });
      $('log-controls').addEventListener('submit', (e) => e.preventDefault());
    }

    return { init, setApps, select: (n) => selectApp(n), lines: () => total };
  })();

  // ---- deploys --------------------------------------------------------------

  const deploys = (() => {
    let source = null;
    let watching = null;

    function watch(ticket) {
      if (source) { source.close(); source = null; }
      watching = ticket;
      const out = $('deploy-output');
      $('deploy-live').hidden = false;
      $('deploy-title').textContent = `deploy ${ticket}`;
      out.textContent = '';
      const es = new EventSource(`/v1/deploys/${encodeURIComponent(ticket)}/sse`);
      source = es;
      es.addEventListener('line', (ev) => {
        let line = ev.data;
        try { line = JSON.parse(ev.data).line; } catch (e) { /* plain text */ }
        const atEnd = out.scrollHeight - out.scrollTop - out.clientHeight < 24;
        out.append(line + '\n');
        if (atEnd) out.scrollTop = out.scrollHeight;
      });
      es.addEventListener('exit', (ev) => {
        let r = {};
        try { r = JSON.parse(ev.data); } catch (e) { /* shown raw below */ }
        const res = r.result || r;
        const text = res.status ? `${res.status}${res.exit_code !== undefined ? ' (exit ' + res.exit_code + ')' : ''}${res.reason ? ': ' + res.reason : ''}` : ev.data;
        out.append(el('strong', { class: stateClass(res.status), text: `exit: ${text}\n` }));
        // The stream is over; without close() EventSource would reconnect.
        es.close();
        if (source === es) source = null;
        refresh();
      });
      es.addEventListener('error', () => {
        if (es.readyState === EventSource.CLOSED && source === es) out.append('(the node closed the stream)\n');
      });
      highlight();
    }

    function highlight() {
      for (const tr of $('deploys-table').tBodies[0].rows)
        tr.classList.toggle('selected', tr.dataset.ticket === watching);
    }

    async function refresh() {
      const r = await call('/v1/deploys');
      if (!r.ok || !r.body) return;
      const list = Array.isArray(r.body.deploys) ? r.body.deploys : [];
      const rows = list.map((d) => {
        const result = typeof d.result === 'object' && d.result ? (d.result.status || JSON.stringify(d.result)) : (d.result || '');
        return el('tr', { 'data-ticket': d.ticket, class: 'clickable', title: 'watch its output', onclick: () => watch(d.ticket) },
          el('td', { class: 'mono', text: d.ticket }),
          el('td', { text: d.app || '' }),
          el('td', { text: d.dir || '' }),
          el('td', { class: stateClass(d.state), text: d.state || '' }),
          el('td', { text: d.started_at || '' }),
          el('td', { class: stateClass(result), text: result }));
      });
      if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 6, class: 'empty', text: 'no deploys yet' })));
      $('deploys-table').tBodies[0].replaceChildren(...rows);
      highlight();
    }

    function init() {
      const form = $('deploy-form');
      form.hidden = false;
      const dir = $('deploy-dir');
      dir.setAttribute('list', 'deploy-dirs');
      form.append(el('datalist', { id: 'deploy-dirs' }));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const body = { dir: dir.value.trim() };
        const app = $('deploy-app').value.trim();
        if (app) body.app = app;
        if (!body.dir) return;
        if (!window.confirm(`Deploy ${body.dir}${app ? ' as ' + app : ''}?`)) return;
        $('deploy-status').textContent = 'starting…';
        try {
          const r = await call('/v1/deploys', { method: 'POST', body });
          if (r.ok && r.body && r.body.ticket) {
            $('deploy-status').textContent = `ticket ${r.body.ticket}`;
            watch(r.body.ticket);
            refresh();
          } else {
            $('deploy-status').textContent = errorText(r);
          }
        } catch (err) {
          $('deploy-status').textContent = 'offline';
        }
      });
      for (const tr of $('deploys-table').tBodies[0].rows)
        if (tr.dataset.ticket) { tr.classList.add('clickable'); tr.addEventListener('click', () => watch(tr.dataset.ticket)); }
    }

    return { init, refresh };
  })();

  // ---- supervision tree -------------------------------------------------------

  async function refreshTree() {
    const r = await call('/v1/tree');
    if (!r.ok || !r.body) return;
    const rows = [];
    const walk = (n, depth) => {
      const restarts = Number(n.restarts || 0);
      rows.push(el('tr', {},
        el('td', { class: 'depth-' + Math.min(depth, 9), text: n.id }),
        el('td', { text: n.type || '' }),
        el('td', { class: stateClass(n.state), text: n.state || '' }),
        el('td', { class: restarts > 0 ? 'num warn' : 'num', text: String(restarts) })));
      for (const c of n.children || []) walk(c, depth + 1);
    };
    walk(r.body, 0);
    $('tree-table').tBodies[0].replaceChildren(...rows);
  }

  // ---- compute (issue #12) ------------------------------------------------------
  // The table is GET /v1/compute ({"compute": [compute_info, ...]}), kept live
  // by GET /v1/compute/events (topic "atlas:compute", the one the orchestrator
  // publishes to): `ready` carries the whole list, each status, heartbeat,
  // terminating or terminate_failed event updates its row at once, and the
  // list is read again shortly after (a new resource appears, a terminated
  // one leaves). Polling stays as the fallback when the stream is down.

  const compute = (() => {
    let rows = new Map(); // id → compute_info
    let es = null;
    let reread = null;

    function fmtMs(ms) {
      if (typeof ms !== 'number' || ms < 0) return '—';
      if (ms < 1000) return `${ms}ms`;
      const s = Math.floor(ms / 1000);
      if (s < 60) return `${s}s`;
      const m = Math.floor(s / 60);
      if (m < 60) return `${m}m${s % 60 ? ` ${s % 60}s` : ''}`;
      return `${Math.floor(m / 60)}h${m % 60 ? ` ${m % 60}m` : ''}`;
    }

    function stateOf(c) { return c.terminating ? 'terminating' : (c.status || ''); }

    function detailOf(c) {
      const parts = [`idle ${fmtMs(c.idle_ms)} of ${fmtMs(c.idle_ttl_ms)}`];
      if (c.user_id) parts.push(`user ${c.user_id}`);
      const r = c.compute || {};
      if (r.region) parts.push(`region ${r.region}`);
      if (c.terminating && c.terminate_reason) parts.push(c.terminate_reason);
      if (c.last_failure) parts.push(`terminate failed: ${c.last_failure}`);
      return parts.join(', ');
    }

    function action(c, verb, danger) {
      return el('button', {
        type: 'button', class: danger ? 'danger' : '', 'data-action': verb,
        text: verb[0].toUpperCase() + verb.slice(1),
        onclick: async () => {
          if (verb !== 'touch' && !window.confirm(`${verb} ${c.id}?`)) return;
          const res = await call(`/v1/compute/${encodeURIComponent(c.id)}/${verb}`, { method: 'POST' });
          if (!res.ok) window.alert(`${verb} ${c.id}: ${errorText(res)}`);
          refresh();
        },
      });
    }

    function render() {
      const status = $('compute-status');
      const table = $('compute-table');
      status.hidden = rows.size > 0;
      status.textContent = 'nothing tracked';
      table.hidden = rows.size === 0;
      const list = [...rows.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      table.tBodies[0].replaceChildren(...list.map((c) => el('tr', { 'data-id': c.id },
        el('td', { class: 'mono', text: c.id }),
        el('td', { text: (c.compute && c.compute.name) || '' }),
        el('td', { text: c.provider || '' }),
        el('td', { class: stateClass(stateOf(c)), text: stateOf(c) }),
        el('td', { text: detailOf(c) }),
        el('td', {}, action(c, 'touch'), ' ', action(c, 'stop'), ' ', action(c, 'terminate', true)))));
    }

    function applyList(list) {
      rows = new Map(list.map((c) => [c.id, c]));
      render();
    }

    function onEvent(e) {
      const c = rows.get(e.id);
      if (c) {
        if (e.event === 'status') {
          c.status = e.status;
          if (e.status === 'terminated') c.terminating = false;
        } else if (e.event === 'terminating') {
          c.terminating = true;
          c.terminate_reason = e.reason;
        } else if (e.event === 'terminate_failed') {
          c.last_failure = `${e.error} (attempt ${e.attempt}${e.final ? ', final' : ''})`;
        }
        render();
      }
      clearTimeout(reread);
      reread = setTimeout(() => refresh().catch(() => {}), 300);
    }

    function connect() {
      es = new EventSource('/v1/compute/events');
      es.addEventListener('ready', (ev) => {
        try { applyList(JSON.parse(ev.data).compute || []); } catch (e) { /* a bad frame: the poll corrects it */ }
      });
      for (const kind of ['status', 'heartbeat', 'terminating', 'terminate_failed']) {
        es.addEventListener(kind, (ev) => {
          try { onEvent(JSON.parse(ev.data)); } catch (e) { /* ignored, as above */ }
        });
      }
      es.addEventListener('error', () => {
        // Closed for good (refused, or the node went away): the next poll opens it again.
        if (es && es.readyState === EventSource.CLOSED) { es.close(); es = null; }
      });
    }

    async function refresh() {
      const r = await call('/v1/compute');
      const status = $('compute-status');
      const table = $('compute-table');
      if (r.status === 404 || r.status === 501) {
        status.hidden = false;
        status.textContent = 'orchestrator disabled';
        table.hidden = true;
        if (es) { es.close(); es = null; }
        return;
      }
      if (!r.ok || !r.body) {
        status.hidden = false;
        status.textContent = `compute: ${errorText(r)}`;
        return;
      }
      applyList(Array.isArray(r.body.compute) ? r.body.compute : []);
      if (!es) connect();
    }

    return { refresh, rows: () => [...rows.values()] };
  })();


  // ---- metrics and sparklines ---------------------------------------------------

  /** Parses Prometheus text format 0.0.4 into [{name, labels, value}]. */
  function parseMetrics(text) {
    const out = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      const labels = {};
      if (m[2]) {
        const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
        let l;
        while ((l = re.exec(m[2])) !== null)
          labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
      }
      const v = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
      out.push({ name: m[1], labels, value: v });
    }
    return out;
  }
  const sum = (samples, name, pred = () => true) =>
    samples.reduce((a, s) => (s.name === name && pred(s.labels) ? a + s.value : a), 0);

  function fmtBytes(b) {
    if (!(b >= 0)) return '—';
    const u = ['B', 'KiB', 'MiB', 'GiB'];
    let i = 0;
    while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return `${b.toFixed(i ? 1 : 0)} ${u[i]}`;
  }
  const fmtRate = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + '/s';

  // Each sparkline: a label, how to read its value from two scrapes, how to show it.
  const SPARKS = [
    { key: 'entries', label: 'log entries fetched', rate: (s) => sum(s, 'atlas_log_entries_total'), fmt: fmtRate },
    { key: 'delivered', label: 'log entries sent to clients', rate: (s) => sum(s, 'atlas_log_stream_entries_total'), fmt: fmtRate },
    { key: 'http', label: 'HTTP requests', rate: (s) => sum(s, 'atlas_http_requests_total'), fmt: fmtRate },
    { key: 'tokens', label: 'token acquisitions', rate: (s) => sum(s, 'atlas_token_acquisitions_total'), fmt: fmtRate },
    { key: 'lag', label: 'log lag (mean)', ratio: [(s) => sum(s, 'atlas_log_lag_seconds_sum'), (s) => sum(s, 'atlas_log_lag_seconds_count')],
      fmt: (v) => v.toFixed(2) + ' s' },
    { key: 'restarts', label: 'supervisor restarts', gauge: (s) => sum(s, 'atlas_supervisor_restarts'), fmt: (v) => v.toFixed(0) },
    { key: 'cpu', label: 'node CPU', rate: (s) => sum(s, 'process_cpu_seconds_total'), fmt: (v) => (v * 100).toFixed(1) + ' %' },
    { key: 'rss', label: 'node RSS', gauge: (s) => sum(s, 'process_resident_memory_bytes'), fmt: fmtBytes },
  ];

  const sparks = (() => {
    const history = new Map();
    let last = null;
    const SVG = 'http://www.w3.org/2000/svg';

    function draw(box, spec, points) {
      let card = box.querySelector(`[data-spark="${spec.key}"]`);
      if (!card) {
        const svg = document.createElementNS(SVG, 'svg');
        svg.setAttribute('viewBox', '0 0 120 28');
        svg.setAttribute('preserveAspectRatio', 'none');
        svg.setAttribute('role', 'img');
        svg.setAttribute('aria-label', spec.label);
        svg.append(document.createElementNS(SVG, 'polyline'));
        card = el('div', { class: 'spark', 'data-spark': spec.key },
          el('div', { class: 'label', text: spec.label }), el('div', { class: 'value' }), svg);
        box.append(card);
      }
      const v = points.length ? points[points.length - 1] : NaN;
      card.querySelector('.value').textContent = Number.isFinite(v) ? spec.fmt(v) : '—';
      const max = Math.max(...points.filter(Number.isFinite), 0);
      const min = Math.min(...points.filter(Number.isFinite), max);
      const span = max - min || 1;
      const step = 120 / (SPARK_POINTS - 1);
      const off = SPARK_POINTS - points.length;
      const pts = points.map((p, i) => `${((off + i) * step).toFixed(1)},${(26 - ((Number.isFinite(p) ? p : min) - min) / span * 24).toFixed(1)}`);
      card.querySelector('polyline').setAttribute('points', pts.join(' '));
    }

    function push(key, v) {
      const h = history.get(key) || [];
      h.push(v);
      while (h.length > SPARK_POINTS) h.shift();
      history.set(key, h);
      return h;
    }

    function update(samples) {
      const now = performance.now() / 1000;
      const box = $('sparklines');
      for (const spec of SPARKS) {
        let v;
        if (spec.gauge) {
          v = spec.gauge(samples);
        } else if (!last) {
          continue; // a rate needs two scrapes
        } else if (spec.rate) {
          const dt = now - last.at;
          v = Math.max(0, (spec.rate(samples) - spec.rate(last.samples)) / dt);
        } else {
          const dn = spec.ratio[1](samples) - spec.ratio[1](last.samples);
          v = dn > 0 ? (spec.ratio[0](samples) - spec.ratio[0](last.samples)) / dn : NaN;
        }
        draw(box, spec, push(spec.key, v));
      }
      last = { at: now, samples };
    }

    return { update };
  })();

  async function refreshMetrics() {
    const r = await call('/metrics', { text: true });
    if (!r.ok || typeof r.body !== 'string') return;
    const samples = parseMetrics(r.body);
    sparks.update(samples);
    const rows = [
      ['log polls', sum(samples, 'atlas_log_polls_total').toFixed(0)],
      ['log entries fetched', sum(samples, 'atlas_log_entries_total').toFixed(0)],
      ['log poll errors', sum(samples, 'atlas_log_poll_errors_total').toFixed(0)],
      ['log evictions', sum(samples, 'atlas_log_evictions_total').toFixed(0)],
      ['log lines delivered', sum(samples, 'atlas_log_lag_seconds_count').toFixed(0)],
      ['live-log clients', sum(samples, 'atlas_log_stream_clients').toFixed(0)],
      ['token acquisitions', sum(samples, 'atlas_token_acquisitions_total').toFixed(0)],
      ['deploys', sum(samples, 'atlas_deploys_total').toFixed(0)],
      ['supervisor restarts', sum(samples, 'atlas_supervisor_restarts').toFixed(0)],
      ['HTTP requests', sum(samples, 'atlas_http_requests_total').toFixed(0)],
      ['RSS', fmtBytes(sum(samples, 'process_resident_memory_bytes'))],
    ];
    $('metrics-table').tBodies[0].replaceChildren(...rows.map(([k, v]) =>
      el('tr', {}, el('td', { text: k }), el('td', { class: 'num', text: v }))));
  }

  // ---- start --------------------------------------------------------------------

  function init() {
    document.documentElement.classList.add('js');
    setConn('', 'connecting');
    logs.init();
    deploys.init();
    every(POLL.apps, refreshApps);
    every(POLL.deploys, deploys.refresh);
    every(POLL.tree, refreshTree);
    every(POLL.compute, compute.refresh);
    every(POLL.metrics, refreshMetrics);
  }

  // For the browser test and the curious: what the page has seen.
  window.atlasDashboard = { logLines: () => logs.lines(), computeRows: () => compute.rows(), parseMetrics };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
