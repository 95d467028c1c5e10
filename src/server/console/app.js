/* glued console: the pages (workflows, a workflow, a run, a job run with its logs, jobs, triggers, crawlers),
 * drawn in the browser from the same operations the AWS API serves (POST api/<Operation>).
 *
 * Rules this file keeps:
 *  - Every piece of data reaches the page as text (textContent, attributes); never innerHTML.
 *  - A state always shows a label (and a symbol) next to its colour.
 *  - Live pages poll at most once a second, and stop when their page is left.
 *  - Graph nodes carry data-node-type, data-node-name and data-state (see the README): tests script them. */
(function () {
  'use strict';

  const SVGNS = 'http://www.w3.org/2000/svg';
  const main = document.getElementById('main');

  /* ---------- DOM, text only ---------- */

  function setAttrs(el, attrs) {
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  function add(el, kids) {
    for (const k of kids.flat(Infinity)) {
      if (k === null || k === undefined || k === false) continue;
      el.appendChild(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return el;
  }
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    return add(el, kids);
  }
  function s(tag, attrs, ...kids) {
    const el = document.createElementNS(SVGNS, tag);
    setAttrs(el, attrs);
    return add(el, kids);
  }
  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }
  /* Replaces el's children with kids (nodes, text, or nested arrays of them). */
  function fill(el, ...kids) {
    return add(clear(el), kids);
  }

  /* ---------- routes: #/workflows, #/workflow/NAME, #/run/WF/ID, #/jobrun/JOB/ID, #/jobs, #/job/NAME, ... ---------- */

  function href(...parts) {
    return '#/' + parts.map((p) => encodeURIComponent(p)).join('/');
  }
  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, q] = raw.split('?');
    const parts = path ? path.split('/').map((p) => {
      try { return decodeURIComponent(p); } catch (e) { return p; }
    }) : [];
    return { parts, query: new URLSearchParams(q || '') };
  }

  /* ---------- the API ---------- */

  const session = { token: null, authRequired: false, signedIn: true, user: null };

  class ApiError extends Error {
    constructor(type, message, status) {
      super(message);
      this.type = type;
      this.status = status;
    }
  }

  let bootList = null; // the first page of the workflow list, sent inside the page itself

  function useSession(d) {
    session.token = d.Token;
    session.authRequired = !!d.AuthRequired;
    session.signedIn = !!d.SignedIn;
    session.user = d.User || null;
    drawWho();
  }
  async function loadSession() {
    const r = await fetch('api/session', { credentials: 'same-origin', cache: 'no-store' });
    useSession(await r.json());
  }

  /* Calls an operation exactly as the AWS JSON endpoint answers it; throws ApiError with the API's words. */
  async function call(op, body, retried) {
    const r = await fetch('api/' + op, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', 'X-Glued-Token': session.token || '' },
      body: JSON.stringify(body || {}),
    });
    const text = await r.text();
    let data = {};
    try {
      data = text ? JSON.parse(text) : {};
    } catch (e) {
      data = { Message: text };
    }
    if (r.ok) return data;
    const type = data.__type || r.headers.get('x-amzn-ErrorType') || 'HTTP ' + r.status;
    if (type === 'InvalidTokenException' && !retried) {
      await loadSession(); // glued restarted, or the session expired: a new one, then once more
      return call(op, body, true);
    }
    if (type === 'NotSignedInException') {
      session.signedIn = false;
      drawWho();
      route();
    }
    throw new ApiError(type, data.Message || text || r.statusText, r.status);
  }

  /* Every page of a paged operation, up to max items (listKey names the array). */
  async function callAll(op, body, listKey, max) {
    let out = [], token;
    do {
      const d = await call(op, Object.assign({}, body, token ? { NextToken: token } : {}));
      out = out.concat(d[listKey] || []);
      token = d.NextToken;
    } while (token && out.length < max);
    return out;
  }

  /* ---------- messages ---------- */

  function flash(what, detail, isError) {
    const box = document.getElementById('flash');
    const item = h('div', { class: 'flash' + (isError ? ' error' : ''), role: isError ? 'alert' : 'status' },
      h('div', {}, h('div', { class: 'what' }, what), detail ? h('div', {}, detail) : null),
      h('button', { type: 'button', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×'));
    item.dataset.at = String(Date.now());
    box.appendChild(item);
    setTimeout(() => item.remove(), isError ? 12000 : 3500);
  }
  function showError(err) {
    if (err instanceof ApiError) flash(err.type, err.message, true);
    else flash('Error', String(err && err.message ? err.message : err), true);
  }

  /* ---------- formatting ---------- */

  const STATES = {
    SUCCEEDED: ['Succeeded', '✓', 'ok'], COMPLETED: ['Completed', '✓', 'ok'],
    FAILED: ['Failed', '✗', 'bad'], ERROR: ['Error', '!', 'bad'], TIMEOUT: ['Timed out', '◷', 'late'],
    RUNNING: ['Running', '▶', 'run'], STARTING: ['Starting', '▷', 'run'], WAITING: ['Waiting', '…', 'warn'],
    STOPPING: ['Stopping', '■', 'stop'], STOPPED: ['Stopped', '■', 'stop'],
    CANCELLING: ['Cancelling', '■', 'stop'], CANCELLED: ['Cancelled', '■', 'stop'],
    NOT_RUN: ['Not run', '–', 'idle'], READY: ['Ready', '○', 'idle'],
    FIRED: ['Fired', '⚡', 'fire'], NOT_FIRED: ['Not fired', '–', 'idle'],
    ACTIVATED: ['Activated', '●', 'ok'], ACTIVATING: ['Activating', '◐', 'run'], CREATED: ['Created', '○', 'idle'],
    CREATING: ['Creating', '◐', 'run'], DEACTIVATED: ['Deactivated', '○', 'idle'],
    DEACTIVATING: ['Deactivating', '◐', 'stop'], UPDATING: ['Updating', '◐', 'run'], DELETING: ['Deleting', '◐', 'stop'],
  };
  function stateInfo(st) {
    const k = STATES[st];
    if (k) return { label: k[0], sym: k[1], tone: k[2] };
    const text = String(st || 'Unknown').toLowerCase().replace(/_/g, ' ');
    return { label: text.charAt(0).toUpperCase() + text.slice(1), sym: '•', tone: 'idle' };
  }
  function badge(st) {
    const i = stateInfo(st);
    return h('span', { class: 'badge tone-' + i.tone, 'data-state': st },
      h('span', { class: 'sym', 'aria-hidden': 'true' }, i.sym), i.label);
  }
  const pad = (n) => String(n).padStart(2, '0');
  function fmtTime(t) {
    if (t === undefined || t === null) return '—';
    const d = new Date(t * 1000);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' +
      pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function fmtDur(sec) {
    if (sec === undefined || sec === null || isNaN(sec)) return '—';
    if (sec < 10) return sec.toFixed(1) + ' s';
    if (sec < 60) return Math.round(sec) + ' s';
    const m = Math.floor(sec / 60);
    if (m < 60) return m + ' min ' + pad(Math.round(sec % 60)) + ' s';
    return Math.floor(m / 60) + ' h ' + pad(m % 60) + ' min';
  }
  function duration(start, end, running) {
    if (!start) return '—';
    const stop = end || (running ? Date.now() / 1000 : null);
    return stop ? fmtDur(stop - start) : '—';
  }
  function fmtBytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KB';
    return (n / 1048576).toFixed(1) + ' MB';
  }
  function shortId(id) {
    return id && id.length > 14 ? id.slice(0, 14) + '…' : id || '';
  }
  function statsPills(st) {
    if (!st) return '—';
    const items = [['SucceededActions', 'SUCCEEDED'], ['FailedActions', 'FAILED'], ['ErroredActions', 'ERROR'],
      ['TimeoutActions', 'TIMEOUT'], ['StoppedActions', 'STOPPED'], ['RunningActions', 'RUNNING'], ['WaitingActions', 'WAITING']];
    const pills = [];
    for (const [k, state] of items) {
      if (!st[k]) continue;
      const i = stateInfo(state);
      pills.push(h('span', { class: 'pill tone-' + i.tone, title: st[k] + ' ' + i.label.toLowerCase() },
        h('span', { 'aria-hidden': 'true' }, i.sym + ' '), st[k] + ' ' + i.label.toLowerCase()));
    }
    return h('span', { class: 'pills' }, pills, h('span', { class: 'note' }, 'of ' + (st.TotalActions || 0)));
  }
  function kvTable(obj, empty) {
    const keys = Object.keys(obj || {});
    if (!keys.length) return h('p', { class: 'note' }, empty || 'None.');
    return h('div', { class: 'tablewrap' }, h('table', { class: 'kv' }, h('tbody', {},
      keys.sort().map((k) => h('tr', {}, h('td', { class: 'mono' }, k), h('td', { class: 'mono' }, String(obj[k])))))));
  }
  function facts(pairs) {
    return h('dl', { class: 'facts' }, pairs.filter((p) => p).map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
  }
  function crumbs(...items) {
    const out = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' });
    items.forEach((it, i) => {
      if (i) out.appendChild(h('span', { 'aria-hidden': 'true' }, '›'));
      out.appendChild(Array.isArray(it) ? h('a', { href: it[1] }, it[0]) : h('span', {}, it));
    });
    return out;
  }
  function table(head, rows, opts) {
    return h('div', { class: 'tablewrap' }, h('table', opts || {},
      h('thead', {}, h('tr', {}, head.map((c) => (c instanceof Node ? c : h('th', { scope: 'col' }, c))))),
      h('tbody', {}, rows)));
  }

  /* ---------- page lifecycle ---------- */

  let page = null; // {alive, timers}
  function newPage() {
    if (page) {
      page.alive = false;
      page.timers.forEach(clearTimeout);
    }
    page = { alive: true, timers: [] };
    return page;
  }
  /* Calls fn now and then every ms while the page lives and keep() says so; never two at once. */
  function every(pg, ms, fn) {
    const tick = async () => {
      if (!pg.alive) return;
      let again = true;
      try {
        again = (await fn()) !== false;
      } catch (e) {
        if (pg.alive) showError(e);
      }
      if (pg.alive && again) pg.timers.push(setTimeout(tick, ms));
    };
    pg.timers.push(setTimeout(tick, ms));
  }
  function markReady(name) {
    document.body.setAttribute('data-ready', name);
    if (performance.mark) performance.mark('glued:' + name);
  }

  /* ---------- dialogs ---------- */

  /* A dialog with key/value rows (run properties, job arguments). Resolves with the map, or null. */
  function kvDialog(title, help, keyHint, submitLabel, initial) {
    return new Promise((resolve) => {
      const rows = h('div', { class: 'rows' });
      const addRow = (k, v) => {
        const row = h('div', { class: 'row' },
          h('input', { type: 'text', placeholder: keyHint, 'aria-label': 'Key', value: k || '' }),
          h('input', { type: 'text', placeholder: 'value', 'aria-label': 'Value', value: v || '' }),
          h('button', { type: 'button', class: 'small', 'aria-label': 'Remove this row', onclick: () => row.remove() }, '×'));
        rows.appendChild(row);
        return row;
      };
      Object.entries(initial || {}).forEach(([k, v]) => addRow(k, v));
      const dlg = h('dialog', { 'aria-label': title });
      const form = h('form', {
        onsubmit: (ev) => {
          ev.preventDefault();
          const out = {};
          for (const row of rows.querySelectorAll('.row')) {
            const [k, v] = row.querySelectorAll('input');
            if (k.value.trim()) out[k.value.trim()] = v.value;
          }
          dlg.close();
          resolve(out);
        },
      },
      h('h2', {}, title), h('p', { class: 'note' }, help), rows,
      h('button', { type: 'button', onclick: () => addRow().querySelector('input').focus() }, '+ Add'),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', onclick: () => { dlg.close(); resolve(null); } }, 'Cancel'),
        h('button', { type: 'submit', class: 'primary' }, submitLabel)));
      dlg.appendChild(form);
      dlg.addEventListener('cancel', () => resolve(null));
      dlg.addEventListener('close', () => setTimeout(() => dlg.remove(), 0));
      document.body.appendChild(dlg);
      dlg.showModal();
      (rows.querySelector('input') || form.querySelector('button.primary')).focus();
    });
  }
  function confirmDialog(title, text, okLabel) {
    return new Promise((resolve) => {
      const dlg = h('dialog', { 'aria-label': title });
      dlg.appendChild(h('form', { onsubmit: (ev) => { ev.preventDefault(); dlg.close(); resolve(true); } },
        h('h2', {}, title), h('p', {}, text),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', onclick: () => { dlg.close(); resolve(false); } }, 'Cancel'),
          h('button', { type: 'submit', class: 'primary danger-ok' }, okLabel))));
      dlg.addEventListener('cancel', () => resolve(false));
      dlg.addEventListener('close', () => setTimeout(() => dlg.remove(), 0));
      document.body.appendChild(dlg);
      dlg.showModal();
      dlg.querySelector('button.primary').focus();
    });
  }

  /* ---------- actions (each the API operation itself) ---------- */

  async function startWorkflowRun(wf, defaults) {
    const props = await kvDialog('Start a run of ' + wf,
      'Run properties for this run (optional). They override the workflow\'s default run properties.',
      'property', 'Start run', defaults);
    if (props === null) return null;
    const body = { Name: wf };
    if (Object.keys(props).length) body.RunProperties = props;
    try {
      const r = await call('StartWorkflowRun', body);
      flash('Run started', r.RunId);
      return r.RunId;
    } catch (e) {
      showError(e);
      return null;
    }
  }
  async function runJob(job) {
    const args = await kvDialog('Run job ' + job, 'Arguments for this job run (optional), e.g. --day = 2024-01-01.',
      '--key', 'Run job');
    if (args === null) return null;
    const body = { JobName: job };
    if (Object.keys(args).length) body.Arguments = args;
    try {
      const r = await call('StartJobRun', body);
      flash('Job run started', r.JobRunId);
      return r.JobRunId;
    } catch (e) {
      showError(e);
      return null;
    }
  }
  async function act(op, body, done) {
    try {
      const r = await call(op, body);
      flash(op + ' succeeded', done || '');
      return r || {};
    } catch (e) {
      showError(e);
      return null;
    }
  }

  /* ---------- node states in a run's graph ---------- */

  function lastOf(list) {
    if (!list || !list.length) return null;
    return list.slice().sort((a, b) => (a.StartedOn || 0) - (b.StartedOn || 0) || (a.Attempt || 0) - (b.Attempt || 0))[list.length - 1];
  }
  /* The state of each node (by UniqueId) in the run whose graph this is; without a run, the definitions'. */
  function nodeStates(graph, inRun) {
    const states = new Map();
    const nodes = graph.Nodes || [];
    const byId = new Map(nodes.map((n) => [n.UniqueId, n]));
    const firedBy = new Set();
    const ran = new Set();
    for (const n of nodes) {
      const runs = n.Type === 'JOB' ? n.JobDetails && n.JobDetails.JobRuns : n.CrawlerDetails && n.CrawlerDetails.Crawls;
      if (runs && runs.length) ran.add(n.UniqueId);
      for (const jr of (n.JobDetails && n.JobDetails.JobRuns) || []) if (jr.TriggerName) firedBy.add(jr.TriggerName);
    }
    for (const n of nodes) {
      let st;
      if (n.Type === 'JOB') {
        const jr = lastOf(n.JobDetails && n.JobDetails.JobRuns);
        st = jr ? jr.JobRunState : 'NOT_RUN';
      } else if (n.Type === 'CRAWLER') {
        const c = lastOf(n.CrawlerDetails && n.CrawlerDetails.Crawls);
        st = c ? c.State : 'NOT_RUN';
      } else if (inRun) {
        // fired when a job run names it, or (for crawler actions) when what it starts ran in this run
        const targets = (graph.Edges || []).filter((e) => e.SourceId === n.UniqueId).map((e) => byId.get(e.DestinationId));
        const fired = firedBy.has(n.Name) ||
          targets.some((t) => t && t.Type === 'CRAWLER' && ran.has(t.UniqueId));
        st = fired ? 'FIRED' : 'NOT_FIRED';
      } else {
        st = (n.TriggerDetails && n.TriggerDetails.Trigger && n.TriggerDetails.Trigger.State) || 'CREATED';
      }
      states.set(n.UniqueId, st);
    }
    return states;
  }

  /* ---------- the graph view ---------- */

  const NODE_H = 52;
  const NODE_W = { JOB: 178, CRAWLER: 178, TRIGGER: 172 };
  const KIND = { JOB: 'JOB', CRAWLER: 'CRAWLER', TRIGGER: 'TRIGGER' };

  function fitText(text, px) {
    const max = Math.max(4, Math.floor(px / 7.4));
    return text.length > max ? text.slice(0, max - 1) + '…' : text;
  }
  function structureKey(graph) {
    return (graph.Nodes || []).map((n) => n.UniqueId).sort().join(',') + '|' +
      (graph.Edges || []).map((e) => e.SourceId + '>' + e.DestinationId).sort().join(',');
  }
  function edgePath(points, reversed) {
    let d = 'M' + points[0][0].toFixed(1) + ',' + points[0][1].toFixed(1);
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1], [x1, y1] = points[i];
      if (reversed && (i === 1 || i === points.length - 1)) {
        // back edges leave and enter through the bottom of a node
        const c0 = i === 1 ? [x0, y0 + 40] : [(x0 + x1) / 2, y0];
        const c1 = i === points.length - 1 ? [x1, y1 + 40] : [(x0 + x1) / 2, y1];
        d += ' C' + c0[0].toFixed(1) + ',' + c0[1].toFixed(1) + ' ' + c1[0].toFixed(1) + ',' + c1[1].toFixed(1) + ' ' +
          x1.toFixed(1) + ',' + y1.toFixed(1);
      } else {
        const mx = (x0 + x1) / 2;
        d += ' C' + mx.toFixed(1) + ',' + y0.toFixed(1) + ' ' + mx.toFixed(1) + ',' + y1.toFixed(1) + ' ' +
          x1.toFixed(1) + ',' + y1.toFixed(1);
      }
    }
    return d;
  }

  /* A zoomable, pannable, keyboard-navigable SVG drawing of a Graph ({Nodes, Edges}, as the API gives it).
   * onSelect(node) is called when a node is clicked or chosen with Enter. */
  function graphView(onSelect) {
    const box = h('div', { class: 'graphbox' });
    const svg = s('svg', { role: 'group', tabindex: '0', 'aria-label': 'Workflow graph. Arrow keys pan, + and - zoom, 0 fits; Tab moves between nodes.' });
    const view = s('g', { class: 'viewport' });
    svg.appendChild(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
      s('path', { d: 'M0,0 L10,5 L0,10 z' }))));
    svg.appendChild(view);
    const zoomBar = h('div', { class: 'zoom' },
      h('button', { type: 'button', title: 'Zoom in', 'aria-label': 'Zoom in', onclick: () => zoomBy(1.25) }, '+'),
      h('button', { type: 'button', title: 'Zoom out', 'aria-label': 'Zoom out', onclick: () => zoomBy(0.8) }, '−'),
      h('button', { type: 'button', title: 'Fit the whole graph', onclick: () => fit(true) }, 'Fit'),
      h('button', { type: 'button', title: 'Actual size', onclick: () => setZoom(1) }, '1:1'));
    box.append(zoomBar, svg);

    let key = null, lay = null, els = new Map(), nodesById = new Map(), selected = null;
    let k = 1, tx = 20, ty = 20;
    const apply = () => view.setAttribute('transform', 'translate(' + tx.toFixed(1) + ',' + ty.toFixed(1) + ') scale(' + k.toFixed(3) + ')');
    const size = () => ({ w: svg.clientWidth || box.clientWidth || 800, h: svg.clientHeight || 400 });
    function setZoom(nk, cx, cy) {
      nk = Math.min(2.5, Math.max(0.15, nk));
      const sz = size();
      if (cx === undefined) { cx = sz.w / 2; cy = sz.h / 2; }
      tx = cx - (cx - tx) * (nk / k);
      ty = cy - (cy - ty) * (nk / k);
      k = nk;
      apply();
    }
    function zoomBy(f, cx, cy) { setZoom(k * f, cx, cy); }
    /* whole: fit everything; else fit, but never so small that names cannot be read (then start at the left) */
    function fit(whole) {
      if (!lay) return;
      const sz = size(), pad = 24;
      const fk = Math.min(1, (sz.w - 2 * pad) / Math.max(lay.width, 1), (sz.h - 2 * pad) / Math.max(lay.height, 1));
      k = whole ? Math.max(0.15, fk) : Math.max(0.62, fk);
      tx = Math.max(pad, (sz.w - lay.width * k) / 2);
      ty = Math.max(pad, (sz.h - lay.height * k) / 2);
      if (!whole && fk < 0.62) { tx = pad; ty = pad; }
      apply();
    }

    // panning by dragging, zooming with the wheel, keys
    let drag = null;
    svg.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0 || ev.target.closest('.gnode')) return;
      drag = { x: ev.clientX, y: ev.clientY, tx, ty };
      svg.setPointerCapture(ev.pointerId);
      svg.classList.add('dragging');
    });
    svg.addEventListener('pointermove', (ev) => {
      if (!drag) return;
      tx = drag.tx + ev.clientX - drag.x;
      ty = drag.ty + ev.clientY - drag.y;
      apply();
    });
    const endDrag = () => { drag = null; svg.classList.remove('dragging'); };
    svg.addEventListener('pointerup', endDrag);
    svg.addEventListener('pointercancel', endDrag);
    svg.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const r = svg.getBoundingClientRect();
      zoomBy(ev.deltaY < 0 ? 1.12 : 1 / 1.12, ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    svg.addEventListener('keydown', (ev) => {
      const onNode = ev.target.closest && ev.target.closest('.gnode');
      if (onNode && (ev.key === 'Enter' || ev.key === ' ')) {
        ev.preventDefault();
        choose(onNode.getAttribute('data-node-id'));
        return;
      }
      if (onNode && ev.key.startsWith('Arrow')) {
        ev.preventDefault();
        moveFocus(onNode.getAttribute('data-node-id'), ev.key);
        return;
      }
      const step = 60;
      const keys = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (keys[ev.key]) { tx += keys[ev.key][0]; ty += keys[ev.key][1]; apply(); ev.preventDefault(); }
      else if (ev.key === '+' || ev.key === '=') { zoomBy(1.25); ev.preventDefault(); }
      else if (ev.key === '-') { zoomBy(0.8); ev.preventDefault(); }
      else if (ev.key === '0') { fit(true); ev.preventDefault(); }
    });
    /* arrows on a node: left/right follow the edges, up/down the neighbours in the same column */
    function moveFocus(id, dir) {
      const p = lay.nodes.get(id);
      let best = null, bestD = Infinity;
      for (const [oid, q] of lay.nodes) {
        if (oid === id) continue;
        const dx = q.x - p.x, dy = q.y - p.y;
        const ok = dir === 'ArrowRight' ? dx > 1 : dir === 'ArrowLeft' ? dx < -1 : dir === 'ArrowDown' ? dy > 1 && Math.abs(dx) < 1 : dy < -1 && Math.abs(dx) < 1;
        if (!ok) continue;
        const d = Math.abs(dx) + Math.abs(dy) * 2;
        if (d < bestD) { bestD = d; best = oid; }
      }
      if (best) {
        els.get(best).focus();
        ensureVisible(best);
      }
    }
    function ensureVisible(id) {
      const p = lay.nodes.get(id), sz = size();
      const x = p.x * k + tx, y = p.y * k + ty;
      if (x < 40 || x > sz.w - 40 || y < 30 || y > sz.h - 30) {
        tx = sz.w / 2 - p.x * k;
        ty = sz.h / 2 - p.y * k;
        apply();
      }
    }
    function choose(id) {
      if (selected && els.get(selected)) els.get(selected).classList.remove('selected');
      selected = id;
      if (els.get(id)) els.get(id).classList.add('selected');
      if (onSelect) onSelect(nodesById.get(id));
    }

    function render(graph, states) {
      clear(view);
      els = new Map();
      nodesById = new Map((graph.Nodes || []).map((n) => [n.UniqueId, n]));
      const nodes = (graph.Nodes || []).map((n) => ({ id: n.UniqueId, w: NODE_W[n.Type] || 178, h: NODE_H }));
      const edges = (graph.Edges || []).map((e) => ({ from: e.SourceId, to: e.DestinationId }));
      lay = window.GluedLayout.layout(nodes, edges, { layerGap: 54, nodeGap: 16 });
      const edgeLayer = s('g', { class: 'edges' });
      for (const e of lay.edges) {
        edgeLayer.appendChild(s('path', { class: 'gedge' + (e.reversed ? ' back' : ''), d: edgePath(e.points, e.reversed), 'marker-end': 'url(#arrow)',
          'data-from': e.from, 'data-to': e.to }));
      }
      view.appendChild(edgeLayer);
      const nodeLayer = s('g', { class: 'nodes' });
      // tab order follows the flow: column by column, top to bottom
      const ordered = (graph.Nodes || []).slice().sort((a, b) => {
        const p = lay.nodes.get(a.UniqueId), q = lay.nodes.get(b.UniqueId);
        return p.layer - q.layer || p.y - q.y;
      });
      for (const n of ordered) {
        const p = lay.nodes.get(n.UniqueId);
        const w = p.w, hh = p.h, rx = n.Type === 'TRIGGER' ? hh / 2 : 8;
        const g = s('g', {
          class: 'gnode', tabindex: '0', role: 'button',
          'data-node-type': n.Type, 'data-node-name': n.Name, 'data-node-id': n.UniqueId,
          transform: 'translate(' + (p.x - w / 2).toFixed(1) + ',' + (p.y - hh / 2).toFixed(1) + ')',
        },
        s('title', {}, KIND[n.Type] + ' ' + n.Name),
        s('rect', { class: 'bg', width: w, height: hh, rx }),
        n.Type === 'TRIGGER' ? null : s('rect', { class: 'bar', x: 0.75, y: 0.75, width: 5, height: hh - 1.5, rx: 2 }),
        s('rect', { class: 'ring', x: -4, y: -4, width: w + 8, height: hh + 8, rx: rx + 4 }),
        s('text', { class: 'kind', x: n.Type === 'TRIGGER' ? 20 : 16, y: 19 }, KIND[n.Type]),
        s('text', { class: 'state', x: w - (n.Type === 'TRIGGER' ? 18 : 12), y: 19, 'text-anchor': 'end' }),
        s('text', { class: 'name', x: n.Type === 'TRIGGER' ? 20 : 16, y: 38 }, fitText(n.Name, w - (n.Type === 'TRIGGER' ? 40 : 28))));
        g.addEventListener('click', () => choose(n.UniqueId));
        els.set(n.UniqueId, g);
        nodeLayer.appendChild(g);
      }
      view.appendChild(nodeLayer);
      setStates(states);
      const want = Math.min(Math.max(lay.height * Math.max(0.62, Math.min(1, (box.clientWidth - 48) / Math.max(lay.width, 1))) + 64, 200),
        Math.max(340, Math.round(window.innerHeight * 0.68)));
      svg.style.height = Math.round(want) + 'px';
      fit(false);
      if (selected && els.get(selected)) els.get(selected).classList.add('selected');
    }
    function setStates(states) {
      for (const [id, g] of els) {
        const st = states.get(id) || 'NOT_RUN';
        if (g.getAttribute('data-state') === st) continue;
        const i = stateInfo(st);
        g.setAttribute('data-state', st);
        g.setAttribute('class', 'gnode tone-' + i.tone + (id === selected ? ' selected' : ''));
        g.setAttribute('aria-label', KIND[nodesById.get(id).Type].toLowerCase() + ' ' + nodesById.get(id).Name + ': ' + i.label);
        g.querySelector('text.state').textContent = i.sym + ' ' + i.label;
      }
    }
    return {
      el: box,
      /* draws graph, or only recolours it when its nodes and edges are the same as last time */
      show(graph, inRun) {
        const states = nodeStates(graph, inRun);
        const nk = structureKey(graph);
        if (nk !== key) {
          key = nk;
          render(graph, states);
        } else {
          nodesById = new Map((graph.Nodes || []).map((n) => [n.UniqueId, n]));
          setStates(states);
        }
        if (selected && nodesById.has(selected) && onSelect) onSelect(nodesById.get(selected), true);
      },
      node: (id) => nodesById.get(id),
    };
  }

  function legend(list) {
    return h('div', { class: 'legend', 'aria-label': 'States' }, list.map(badge));
  }

  /* ---------- node details (side panel) ---------- */

  function describeTrigger(t) {
    const out = [];
    const pairs = [['Type', t.Type], ['State', badge(t.State)], t.Schedule ? ['Schedule', h('code', {}, t.Schedule)] : null,
      t.WorkflowName ? ['Workflow', h('a', { href: href('workflow', t.WorkflowName) }, t.WorkflowName)] : null];
    out.push(h('dl', {}, pairs.filter((p) => p).map(([a, b]) => [h('dt', {}, a), h('dd', {}, b)])));
    const conds = (t.Predicate && t.Predicate.Conditions) || [];
    if (conds.length) {
      out.push(h('h3', {}, 'Fires when ' + (conds.length > 1 ? (t.Predicate.Logical === 'ANY' ? 'any of' : 'all of') : '')));
      out.push(h('ul', {}, conds.map((c) => h('li', {}, (c.JobName ? 'job ' + c.JobName : 'crawler ' + c.CrawlerName) + ' is ',
        badge(c.State || c.CrawlState)))));
    }
    const acts = t.Actions || [];
    if (acts.length) {
      out.push(h('h3', {}, 'Starts'));
      out.push(h('ul', {}, acts.map((a) => h('li', {}, a.JobName ? 'job ' + a.JobName : 'crawler ' + a.CrawlerName,
        a.Arguments && Object.keys(a.Arguments).length ? h('div', { class: 'note mono' },
          Object.entries(a.Arguments).map(([k, v]) => k + ' ' + v).join('  ')) : null))));
    }
    return out;
  }

  function jobRunItem(jr) {
    return h('div', { class: 'runitem' },
      h('div', {}, badge(jr.JobRunState), ' attempt ' + (jr.Attempt || 0), ' · ', h('a', { href: href('jobrun', jr.JobName, jr.Id) }, 'logs and details')),
      h('dl', {}, h('dt', {}, 'Started'), h('dd', {}, fmtTime(jr.StartedOn)), h('dt', {}, 'Duration'),
        h('dd', {}, duration(jr.StartedOn, jr.CompletedOn, jr.JobRunState === 'RUNNING'))),
      jr.ErrorMessage ? h('div', { class: 'errbox' }, jr.ErrorMessage) : null);
  }

  /* Fills panel with a node's details: what it is, its runs in this run, its definition, and what can be done. */
  async function nodeDetails(panel, node, inRun, refresh) {
    if (!node) return;
    const body = h('div', {});
    fill(panel, h('h2', {}, h('span', { class: 'note' }, node.Type.toLowerCase() + ' '), node.Name), body);
    if (node.Type === 'JOB') {
      const runs = (node.JobDetails && node.JobDetails.JobRuns) || [];
      if (inRun) {
        body.appendChild(h('h3', {}, 'In this run'));
        body.appendChild(runs.length ? h('div', {}, runs.slice().reverse().map(jobRunItem)) : h('p', { class: 'note' }, 'Did not run in this run.'));
      }
      const actions = h('div', { class: 'toolbar' },
        h('button', { type: 'button', onclick: async () => { const id = await runJob(node.Name); if (id) location.hash = href('jobrun', node.Name, id); } }, '▶ Run job…'),
        h('a', { class: 'button', href: href('job', node.Name) }, 'All runs'));
      body.appendChild(actions);
      try {
        const [def, recent] = await Promise.all([call('GetJob', { JobName: node.Name }),
          call('GetJobRuns', { JobName: node.Name, MaxResults: 5 })]);
        const j = def.Job;
        body.appendChild(h('h3', {}, 'Definition'));
        body.appendChild(h('dl', {},
          h('dt', {}, 'Command'), h('dd', {}, (j.Command && j.Command.Name) || '—'),
          h('dt', {}, 'Script'), h('dd', { class: 'mono' }, (j.Command && j.Command.ScriptLocation) || '—'),
          h('dt', {}, 'Max retries'), h('dd', {}, String(j.MaxRetries || 0)),
          h('dt', {}, 'Timeout'), h('dd', {}, j.Timeout ? j.Timeout + ' min' : '—'),
          j.Description ? [h('dt', {}, 'Description'), h('dd', {}, j.Description)] : null));
        if (j.DefaultArguments && Object.keys(j.DefaultArguments).length) {
          body.appendChild(h('h3', {}, 'Default arguments'));
          body.appendChild(kvTable(j.DefaultArguments));
        }
        body.appendChild(h('h3', {}, 'Last job runs'));
        body.appendChild((recent.JobRuns || []).length ? h('div', {}, recent.JobRuns.map(jobRunItem)) : h('p', { class: 'note' }, 'Never ran.'));
      } catch (e) {
        body.appendChild(h('div', { class: 'errbox' }, e.type ? e.type + ': ' + e.message : String(e)));
      }
    } else if (node.Type === 'CRAWLER') {
      const crawls = (node.CrawlerDetails && node.CrawlerDetails.Crawls) || [];
      if (inRun) {
        body.appendChild(h('h3', {}, 'In this run'));
        body.appendChild(crawls.length ? h('div', {}, crawls.map((c) => h('div', { class: 'runitem' }, badge(c.State), ' ', fmtTime(c.StartedOn),
          c.ErrorMessage ? h('div', { class: 'errbox' }, c.ErrorMessage) : null))) : h('p', { class: 'note' }, 'Did not run in this run.'));
      }
      try {
        const c = (await call('GetCrawler', { Name: node.Name })).Crawler;
        body.appendChild(h('dl', {}, h('dt', {}, 'State'), h('dd', {}, badge(c.State)),
          h('dt', {}, 'Targets'), h('dd', { class: 'mono' }, ((c.Targets && c.Targets.S3Targets) || []).map((t) => t.Path).join(', ') || '—'),
          c.LastCrawl ? [h('dt', {}, 'Last crawl'), h('dd', {}, badge(c.LastCrawl.Status), ' ', fmtTime(c.LastCrawl.StartTime))] : null));
        if (c.LastCrawl && c.LastCrawl.ErrorMessage) body.appendChild(h('div', { class: 'errbox' }, c.LastCrawl.ErrorMessage));
        body.appendChild(crawlerButtons(c.Name, c.State, refresh));
      } catch (e) {
        body.appendChild(h('div', { class: 'errbox' }, e.type ? e.type + ': ' + e.message : String(e)));
      }
    } else {
      const frozen = node.TriggerDetails && node.TriggerDetails.Trigger;
      if (inRun && frozen) {
        body.appendChild(h('p', {}, badge(nodeStates({ Nodes: [node], Edges: [] }, false).get(node.UniqueId)),
          h('span', { class: 'note' }, ' as frozen when this run started')));
      }
      try {
        const t = (await call('GetTrigger', { Name: node.Name })).Trigger;
        body.append(...describeTrigger(t));
        body.appendChild(triggerButtons(t, refresh));
      } catch (e) {
        if (frozen) body.append(...describeTrigger(frozen));
        body.appendChild(h('div', { class: 'errbox' }, e.type ? e.type + ': ' + e.message : String(e)));
      }
    }
  }

  function triggerButtons(t, refresh) {
    const active = t.State === 'ACTIVATED' || t.State === 'ACTIVATING';
    const canStart = t.Type !== 'ON_DEMAND' ? !active : true;
    return h('div', { class: 'toolbar' },
      canStart ? h('button', { type: 'button', 'data-action': 'start-trigger', onclick: async () => {
        if (await act('StartTrigger', { Name: t.Name }, t.Name) && refresh) refresh();
      } }, t.Type === 'ON_DEMAND' ? '▶ Fire trigger' : '▶ Start trigger') : null,
      active && t.Type !== 'ON_DEMAND' ? h('button', { type: 'button', class: 'danger', 'data-action': 'stop-trigger', onclick: async () => {
        if (await act('StopTrigger', { Name: t.Name }, t.Name) && refresh) refresh();
      } }, '■ Stop trigger') : null);
  }
  function crawlerButtons(name, state, refresh) {
    const running = state === 'RUNNING' || state === 'STOPPING';
    return h('div', { class: 'toolbar' },
      running ? h('button', { type: 'button', class: 'danger', onclick: async () => { if (await act('StopCrawler', { Name: name }, name) && refresh) refresh(); } }, '■ Stop crawler')
        : h('button', { type: 'button', onclick: async () => { if (await act('StartCrawler', { Name: name }, name) && refresh) refresh(); } }, '▶ Start crawler'));
  }

  /* ---------- page: workflows ---------- */

  const LIST_PAGE = 50;

  async function pageWorkflows(pg, q) {
    const filter = q.get('q') || '';
    const tokens = [null]; // the token of each page seen, to go back
    let at = 0;
    const search = h('input', { type: 'search', placeholder: 'Search workflows by name', 'aria-label': 'Search workflows by name', value: filter });
    const body = h('div', {});
    const pager = h('div', { class: 'pager' });
    fill(main, 
      h('div', { class: 'pagehead' }, h('div', {}, h('h1', {}, 'Workflows'), h('div', { class: 'sub' }, 'Every workflow with its last run.')),
        h('div', { class: 'actions' }, search)),
      body, pager);
    let timer;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const v = search.value.trim();
        history.replaceState(null, '', v ? '#/workflows?q=' + encodeURIComponent(v) : '#/workflows');
        tokens.length = 1;
        at = 0;
        load();
      }, 220);
    });
    let running = false;
    async function load(quiet) {
      const want = search.value.trim();
      const req = { MaxResults: LIST_PAGE };
      if (want) req.NameContains = want;
      if (tokens[at]) req.NextToken = tokens[at];
      let d;
      try {
        if (bootList && !want && at === 0 && !quiet) d = bootList; // already in the page: no round trip
        else d = await call('ListWorkflowSummaries', req);
      } catch (e) {
        if (!quiet) showError(e);
        return;
      }
      bootList = null;
      if (!pg.alive || want !== search.value.trim()) return;
      tokens[at + 1] = d.NextToken || null;
      const list = d.Workflows || [];
      running = list.some((w) => w.LastRun && (w.LastRun.Status === 'RUNNING' || w.LastRun.Status === 'STOPPING'));
      clear(body);
      if (!list.length) {
        body.appendChild(h('div', { class: 'card empty' }, want ? h('p', {}, 'No workflow name contains “', want, '”.')
          : [h('p', {}, 'No workflows yet.'), h('p', {}, 'Create one with ', h('code', {}, 'aws glue create-workflow --name demo --endpoint-url ' + location.origin))]));
      } else {
        body.appendChild(table(['Name', 'Last run', 'Started', 'Duration', 'Actions in the last run', h('th', { class: 'hide-narrow' }, '')],
          list.map((w) => {
            const r = w.LastRun;
            return h('tr', { 'data-workflow': w.Name },
              h('td', { class: 'name' }, h('a', { href: href('workflow', w.Name) }, w.Name),
                w.Description ? h('div', { class: 'note' }, w.Description.length > 120 ? w.Description.slice(0, 119) + '…' : w.Description) : null),
              h('td', {}, r ? h('a', { href: href('run', w.Name, r.WorkflowRunId), 'aria-label': 'Last run: ' + stateInfo(r.Status).label }, badge(r.Status)) : h('span', { class: 'note' }, 'Never run')),
              h('td', { class: 'nowrap' }, r ? fmtTime(r.StartedOn) : '—'),
              h('td', { class: 'nowrap' }, r ? duration(r.StartedOn, r.CompletedOn, r.Status === 'RUNNING') : '—'),
              h('td', {}, r ? statsPills(r.Statistics) : '—'),
              h('td', { class: 'hide-narrow' }, h('button', { type: 'button', class: 'small', 'aria-label': 'Start a run of ' + w.Name,
                onclick: async () => { const id = await startWorkflowRun(w.Name); if (id) location.hash = href('run', w.Name, id); } }, '▶ Run')));
          })));
      }
      fill(pager, 
        h('button', { type: 'button', disabled: at === 0, onclick: () => { at--; load(); } }, '‹ Previous'),
        h('span', {}, 'Page ' + (at + 1) + (list.length ? ' · ' + list.length + ' shown' : '')),
        h('button', { type: 'button', disabled: !tokens[at + 1], onclick: () => { at++; load(); } }, 'Next ›'));
      if (!quiet) markReady('workflows');
    }
    await load();
    every(pg, 2000, async () => { if (running) await load(true); });
  }

  /* ---------- page: a workflow ---------- */

  async function pageWorkflow(pg, name) {
    const panel = h('aside', { class: 'card details', 'aria-label': 'Node details' }, h('p', { class: 'hint' }, 'Select a node to see its details.'));
    let inRun = false;
    const gv = graphView((node, again) => { if (!again) nodeDetails(panel, node, inRun, refreshAll); });
    const runSelect = h('select', { 'aria-label': 'Colour the graph by run' });
    const graphTitle = h('span', { class: 'right' }, h('label', {}, 'Colour by ', runSelect));
    const history = h('div', {});
    const grid = h('div', { class: 'grid' });
    const headBox = h('div', {});
    fill(main, headBox,
      h('div', { class: 'split' }, h('section', { class: 'card', 'aria-label': 'Graph' }, h('h2', {}, 'Graph', graphTitle), gv.el,
        legend(['SUCCEEDED', 'FAILED', 'RUNNING', 'STOPPED', 'TIMEOUT', 'NOT_RUN', 'FIRED', 'NOT_FIRED'])), panel),
      h('section', { class: 'card', 'aria-label': 'Runs' }, h('h2', {}, 'Runs'), history),
      h('section', { class: 'card', 'aria-label': 'Grid' }, h('h2', {}, 'Grid', h('span', { class: 'right' }, 'The last runs (columns) by job and crawler (rows)')), grid));

    let wf, runs = [], chosen = null, defGraph = null, chosenRun = null;
    async function loadWorkflow() {
      wf = (await call('GetWorkflow', { Name: name, IncludeGraph: true })).Workflow;
      defGraph = wf.Graph || { Nodes: [], Edges: [] };
      fill(headBox, crumbs(['Workflows', '#/workflows'], name),
        h('div', { class: 'pagehead' },
          h('div', { class: 'title' }, h('h1', {}, wf.Name)),
          h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', 'data-action': 'start-run', onclick: async () => {
            const id = await startWorkflowRun(name, wf.DefaultRunProperties);
            if (id) location.hash = href('run', name, id);
          } }, '▶ Start run…'))),
        h('div', { class: 'card' }, facts([
          wf.Description ? ['Description', wf.Description] : null,
          ['Created', fmtTime(wf.CreatedOn)], ['Last modified', fmtTime(wf.LastModifiedOn)],
          ['Max concurrent runs', wf.MaxConcurrentRuns ? String(wf.MaxConcurrentRuns) : 'Unlimited'],
          ['Nodes', String((defGraph.Nodes || []).length)],
        ]), wf.DefaultRunProperties && Object.keys(wf.DefaultRunProperties).length ? [h('h3', {}, 'Default run properties'), kvTable(wf.DefaultRunProperties)] : null));
    }
    async function loadRuns() {
      const d = await call('GetWorkflowRuns', { Name: name, IncludeGraph: true, MaxResults: 20 });
      runs = d.Runs || [];
      drawHistory(d.NextToken);
      drawGrid();
      const current = runSelect.value;
      fill(runSelect, h('option', { value: '' }, 'the definition (no run)'),
        runs.map((r) => h('option', { value: r.WorkflowRunId }, shortId(r.WorkflowRunId) + ' · ' + stateInfo(r.Status).label + ' · ' + fmtTime(r.StartedOn))));
      if (chosen === null) chosen = runs.length ? runs[0].WorkflowRunId : '';
      runSelect.value = current && runs.some((r) => r.WorkflowRunId === current) ? current : chosen;
    }
    function drawGraph() {
      chosenRun = runs.find((r) => r.WorkflowRunId === chosen) || null;
      inRun = !!chosenRun;
      gv.show(chosenRun && chosenRun.Graph ? chosenRun.Graph : defGraph, inRun);
    }
    runSelect.addEventListener('change', () => { chosen = runSelect.value; drawGraph(); });
    function drawHistory(next) {
      clear(history);
      if (!runs.length) {
        history.appendChild(h('p', { class: 'note' }, 'No runs yet.'));
        return;
      }
      history.appendChild(table(['Run', 'Status', 'Started', 'Duration', 'Actions', h('th', { class: 'hide-narrow' }, 'Resumed from')],
        runs.map((r) => h('tr', { 'data-run': r.WorkflowRunId },
          h('td', { class: 'mono' }, h('a', { href: href('run', name, r.WorkflowRunId) }, r.WorkflowRunId)),
          h('td', {}, badge(r.Status), r.ErrorMessage ? h('span', { class: 'err' }, r.ErrorMessage) : null),
          h('td', { class: 'nowrap' }, fmtTime(r.StartedOn)),
          h('td', { class: 'nowrap' }, duration(r.StartedOn, r.CompletedOn, r.Status === 'RUNNING')),
          h('td', {}, statsPills(r.Statistics)),
          h('td', { class: 'mono hide-narrow' }, r.PreviousRunId ? h('a', { href: href('run', name, r.PreviousRunId) }, shortId(r.PreviousRunId)) : '—')))));
      if (next) history.appendChild(h('p', { class: 'note' }, 'The 20 newest runs are shown.'));
    }
    function drawGrid() {
      clear(grid);
      if (!runs.length) {
        grid.appendChild(h('p', { class: 'note' }, 'No runs yet.'));
        return;
      }
      const cols = runs.slice().reverse(); // oldest on the left, as Airflow
      const rows = new Map(); // "TYPE\nname" -> {type, name}
      for (const n of defGraph.Nodes || []) if (n.Type !== 'TRIGGER') rows.set(n.Type + '\n' + n.Name, n);
      for (const r of cols) for (const n of (r.Graph && r.Graph.Nodes) || []) if (n.Type !== 'TRIGGER') rows.set(n.Type + '\n' + n.Name, n);
      const stateIn = cols.map((r) => {
        const m = new Map();
        const sts = nodeStates(r.Graph || { Nodes: [] }, true);
        for (const n of (r.Graph && r.Graph.Nodes) || []) {
          const jr = n.Type === 'JOB' ? lastOf(n.JobDetails && n.JobDetails.JobRuns) : null;
          m.set(n.Type + '\n' + n.Name, { st: sts.get(n.UniqueId), jr });
        }
        return m;
      });
      // rows in the order of the flow: by column of the laid-out graph, then top to bottom
      const g = defGraph.Nodes && defGraph.Nodes.length ? defGraph : (cols[cols.length - 1].Graph || { Nodes: [], Edges: [] });
      const lay = window.GluedLayout.layout((g.Nodes || []).map((n) => ({ id: n.Type + '\n' + n.Name, w: 100, h: 40 })),
        (g.Edges || []).map((e) => {
          const a = g.Nodes.find((n) => n.UniqueId === e.SourceId), b = g.Nodes.find((n) => n.UniqueId === e.DestinationId);
          return { from: a ? a.Type + '\n' + a.Name : '', to: b ? b.Type + '\n' + b.Name : '' };
        }), { sweeps: 4 });
      const rank = (key) => { const p = lay.nodes.get(key); return p ? p.layer * 1e6 + p.y : 1e12; };
      const rowList = [...rows.entries()].sort((a, b) => rank(a[0]) - rank(b[0])).map((e) => e[1]);
      grid.appendChild(h('div', { class: 'tablewrap' }, h('table', {},
        h('thead', {}, h('tr', {}, h('th', { class: 'node' }, ''), cols.map((r) => h('th', { class: 'run', scope: 'col' },
          h('a', { href: href('run', name, r.WorkflowRunId), title: r.WorkflowRunId }, fmtTime(r.StartedOn).slice(5, 16)))))),
        h('tbody', {}, rowList.map((n) => h('tr', {},
          h('th', { class: 'node', scope: 'row', title: n.Name }, n.Name),
          stateIn.map((m, i) => {
            const c = m.get(n.Type + '\n' + n.Name);
            const st = c ? c.st : 'NOT_RUN';
            const info = stateInfo(st);
            const label = n.Name + ' in run ' + cols[i].WorkflowRunId + ': ' + info.label;
            return h('td', {}, c && c.jr ? h('a', { class: 'cell tone-' + info.tone, href: href('jobrun', n.Name, c.jr.Id), title: label, 'aria-label': label, 'data-state': st }, info.sym)
              : h('span', { class: 'cell tone-' + info.tone, title: label, 'aria-label': label, 'data-state': st }, info.sym));
          })))))));
    }
    async function refreshAll() {
      await loadRuns();
      drawGraph();
    }
    try {
      await loadWorkflow();
      await loadRuns();
      drawGraph();
      markReady('workflow');
    } catch (e) {
      showError(e);
      fill(main, crumbs(['Workflows', '#/workflows'], name), h('div', { class: 'card errbox' }, e.type ? e.type + ': ' + e.message : String(e)));
      return;
    }
    let ticks = 0;
    every(pg, 1000, async () => {
      const live = chosenRun && (chosenRun.Status === 'RUNNING' || chosenRun.Status === 'STOPPING');
      const anyLive = runs.some((r) => r.Status === 'RUNNING' || r.Status === 'STOPPING');
      ticks++;
      if (live) {
        const r = (await call('GetWorkflowRun', { Name: name, RunId: chosen, IncludeGraph: true })).Run;
        const i = runs.findIndex((x) => x.WorkflowRunId === r.WorkflowRunId);
        if (i >= 0) runs[i] = r;
        drawGraph();
      }
      if ((anyLive && ticks % 3 === 0) || ticks % 10 === 0) await refreshAll();
    });
  }

  /* ---------- page: a run ---------- */

  async function pageRun(pg, wfName, runId) {
    const panel = h('aside', { class: 'card details', 'aria-label': 'Node details' }, h('p', { class: 'hint' }, 'Select a node to see its details.'));
    const gv = graphView((node, again) => { if (!again) nodeDetails(panel, node, true, load); });
    const head = h('div', {}), summary = h('div', {}), jobs = h('div', {}), props = h('div', {}), resumeBox = h('div', {});
    fill(main, head, summary, resumeBox,
      h('div', { class: 'split' }, h('section', { class: 'card', 'aria-label': 'Graph' }, h('h2', {}, 'Graph', h('span', { class: 'right', id: 'live' })), gv.el,
        legend(['SUCCEEDED', 'FAILED', 'RUNNING', 'STOPPED', 'TIMEOUT', 'WAITING', 'NOT_RUN', 'FIRED', 'NOT_FIRED'])), panel),
      h('section', { class: 'card', 'aria-label': 'Job runs' }, h('h2', {}, 'Job runs in this run'), jobs),
      h('section', { class: 'card', 'aria-label': 'Run properties' }, h('h2', {}, 'Run properties'), props));
    let run = null, resuming = false;
    function drawHead() {
      const live = run.Status === 'RUNNING' || run.Status === 'STOPPING';
      fill(head, crumbs(['Workflows', '#/workflows'], [wfName, href('workflow', wfName)], 'Run ' + shortId(runId)),
        h('div', { class: 'pagehead' },
          h('div', { class: 'title' }, h('h1', { class: 'mono' }, runId), h('span', { id: 'run-status' }, badge(run.Status))),
          h('div', { class: 'actions' },
            live ? h('button', { type: 'button', class: 'danger', 'data-action': 'stop-run', onclick: async () => {
              if (!(await confirmDialog('Stop this run?', 'Running jobs are stopped; the run ends as STOPPED.', 'Stop run'))) return;
              if (await act('StopWorkflowRun', { Name: wfName, RunId: runId }, runId)) load();
            } }, '■ Stop run') : null,
            run.Status === 'COMPLETED' ? h('button', { type: 'button', 'data-action': 'resume-run', onclick: () => { resuming = true; drawResume(); } }, '↻ Resume…') : null,
            h('button', { type: 'button', 'data-action': 'start-run', onclick: async () => {
              const id = await startWorkflowRun(wfName, run.WorkflowRunProperties);
              if (id) location.hash = href('run', wfName, id);
            } }, '▶ New run…'))));
      const st = run.Statistics || {};
      fill(summary, h('div', { class: 'card' },
        facts([['Workflow', h('a', { href: href('workflow', wfName) }, wfName)], ['Started', fmtTime(run.StartedOn)], ['Completed', fmtTime(run.CompletedOn)],
          ['Duration', duration(run.StartedOn, run.CompletedOn, live)],
          run.PreviousRunId ? ['Resumed from', h('a', { class: 'mono', href: href('run', wfName, run.PreviousRunId) }, run.PreviousRunId)] : null,
          run.StartingEventBatchCondition ? ['Starting event batch', 'size ' + run.StartingEventBatchCondition.BatchSize + ', window ' + run.StartingEventBatchCondition.BatchWindow + ' s'] : null]),
        run.ErrorMessage ? h('div', { class: 'errbox' }, run.ErrorMessage) : null,
        h('h3', {}, 'Statistics'),
        h('div', { class: 'stats' }, [['TotalActions', 'Total', 'idle'], ['SucceededActions', 'Succeeded', 'ok'], ['FailedActions', 'Failed', 'bad'],
          ['RunningActions', 'Running', 'run'], ['WaitingActions', 'Waiting', 'warn'], ['StoppedActions', 'Stopped', 'stop'], ['TimeoutActions', 'Timed out', 'late'],
          ['ErroredActions', 'Errored', 'bad']].map(([k, label, tone]) => h('div', { class: 'stat' + (st[k] ? ' tone-' + tone : ''), 'data-stat': k }, h('b', {}, String(st[k] || 0)), h('span', {}, label))))));
      const live2 = document.getElementById('live');
      if (live2) live2.textContent = live ? '● live: updates every second' : '';
    }
    function drawJobs() {
      const list = [];
      for (const n of (run.Graph && run.Graph.Nodes) || []) for (const jr of (n.JobDetails && n.JobDetails.JobRuns) || []) list.push(jr);
      list.sort((a, b) => (a.StartedOn || 0) - (b.StartedOn || 0));
      fill(jobs, list.length ? table(['Job', 'Attempt', 'State', 'Started', 'Duration', 'Error'],
        list.map((jr) => h('tr', {},
          h('td', { class: 'name' }, h('a', { href: href('jobrun', jr.JobName, jr.Id) }, jr.JobName)),
          h('td', { class: 'num' }, String(jr.Attempt || 0)), h('td', {}, badge(jr.JobRunState)),
          h('td', { class: 'nowrap' }, fmtTime(jr.StartedOn)), h('td', { class: 'nowrap' }, duration(jr.StartedOn, jr.CompletedOn, jr.JobRunState === 'RUNNING')),
          h('td', {}, jr.ErrorMessage ? h('span', { class: 'err' }, jr.ErrorMessage) : '—')))) : h('p', { class: 'note' }, 'No job ran yet.'));
      fill(props, kvTable(run.WorkflowRunProperties, 'This run has no properties.'));
    }
    function drawResume() {
      clear(resumeBox);
      if (!resuming || run.Status !== 'COMPLETED') return;
      const sts = nodeStates(run.Graph || { Nodes: [] }, true);
      const ranNodes = ((run.Graph && run.Graph.Nodes) || []).filter((n) => n.Type !== 'TRIGGER' && sts.get(n.UniqueId) !== 'NOT_RUN');
      const boxes = ranNodes.map((n) => {
        const st = sts.get(n.UniqueId);
        const cb = h('input', { type: 'checkbox', value: n.UniqueId, 'data-node-name': n.Name });
        cb.checked = ['FAILED', 'ERROR', 'TIMEOUT', 'STOPPED'].includes(st);
        return h('label', { class: 'check' }, cb, n.Type.toLowerCase() + ' ' + n.Name + ' ', badge(st));
      });
      resumeBox.appendChild(h('section', { class: 'card', 'aria-label': 'Resume' }, h('h2', {}, 'Resume this run'),
        h('p', { class: 'note' }, 'The chosen nodes and everything downstream of them run again in a new run; the rest keeps this run\'s results.'),
        boxes.length ? h('div', { class: 'resume-list' }, boxes) : h('p', {}, 'No job or crawler ran in this run.'),
        h('div', { class: 'toolbar' },
          h('button', { type: 'button', class: 'primary', 'data-action': 'resume-selected', onclick: async () => {
            const ids = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
            const r = await act('ResumeWorkflowRun', { Name: wfName, RunId: runId, NodeIds: ids }, 'a new run resumes this one');
            if (r && r.RunId) location.hash = href('run', wfName, r.RunId);
          } }, '↻ Resume selected'),
          h('button', { type: 'button', onclick: () => { resuming = false; drawResume(); } }, 'Cancel'))));
    }
    async function load() {
      run = (await call('GetWorkflowRun', { Name: wfName, RunId: runId, IncludeGraph: true })).Run;
      if (!pg.alive) return;
      drawHead();
      gv.show(run.Graph || { Nodes: [], Edges: [] }, true);
      drawJobs();
      if (resuming) drawResume();
    }
    try {
      await load();
      markReady('run');
    } catch (e) {
      showError(e);
      fill(main, crumbs(['Workflows', '#/workflows'], [wfName, href('workflow', wfName)], runId), h('div', { class: 'card errbox' }, e.type ? e.type + ': ' + e.message : String(e)));
      return;
    }
    let quietTicks = 0;
    every(pg, 1000, async () => {
      const live = run.Status === 'RUNNING' || run.Status === 'STOPPING';
      if (live) {
        quietTicks = 0;
        await load();
      } else if (++quietTicks % 15 === 0) {
        await load(); // a finished run rarely changes; look now and then (properties can still be written)
      }
    });
  }

  /* ---------- page: a job run, with its logs ---------- */

  const LOG_KEEP = 1 << 20; // characters kept on the page per stream; the download has everything
  const LOG_TAIL = 256 << 10;

  function logPanel(job, runId, stream) {
    const pre = h('pre', { class: 'log' + (stream === 'stderr' ? ' err' : ''), tabindex: '0', 'aria-label': stream + ' of the job run', 'data-stream': stream });
    const follow = h('input', { type: 'checkbox', checked: true });
    const meta = h('span', { class: 'size' }, '');
    const url = 'api/log?job=' + encodeURIComponent(job) + '&run=' + encodeURIComponent(runId) + '&stream=' + stream;
    const panel = h('section', { class: 'card logpanel', 'aria-label': stream },
      h('div', { class: 'bar' }, h('h2', {}, stream),
        h('div', { class: 'meta' }, meta, h('label', { class: 'check' }, follow, 'Follow'),
          h('a', { class: 'button', href: url + '&download=1', download: runId + '.' + stream + '.log' }, '⤓ Download'))),
      pre);
    const decoder = new TextDecoder('utf-8');
    let offset = null, size = 0, shown = 0, done = false;
    pre.appendChild(h('span', { class: 'dim' }, 'Loading…'));
    let empty = true;
    async function poll(final) {
      if (done) return;
      const r = await fetch(url + (offset === null ? '&tail=' + LOG_TAIL : '&offset=' + offset), { credentials: 'same-origin', cache: 'no-store' });
      if (!r.ok) {
        let m = r.statusText;
        try { const d = await r.json(); m = d.__type + ': ' + d.Message; } catch (e) { /* not JSON */ }
        throw new ApiError('Log', m, r.status);
      }
      const start = Number(r.headers.get('X-Log-Start')), end = Number(r.headers.get('X-Log-End'));
      size = Number(r.headers.get('X-Log-Size'));
      const bytes = new Uint8Array(await r.arrayBuffer());
      if (offset === null) {
        clear(pre);
        if (start > 0) pre.appendChild(h('span', { class: 'dim' }, '… the first ' + fmtBytes(start) + ' are not shown: download the whole log.\n'));
      }
      offset = end;
      const text = decoder.decode(bytes, { stream: true });
      if (text) {
        empty = false;
        pre.appendChild(document.createTextNode(text));
        shown += text.length;
        while (shown > LOG_KEEP && pre.childNodes.length > 1) {
          const first = pre.firstChild;
          shown -= first.textContent.length;
          pre.removeChild(first);
        }
        if (follow.checked) pre.scrollTop = pre.scrollHeight;
      }
      if (empty && final && end >= size) {
        clear(pre).appendChild(h('span', { class: 'dim' }, 'Nothing was written to ' + stream + '.'));
      }
      meta.textContent = fmtBytes(size);
      if (final && end >= size) done = true;
      if (end < size) return poll(final); // more is waiting: read on now
    }
    return { el: panel, poll, isDone: () => done, setFollow: (on) => { follow.checked = on; } };
  }

  async function pageJobRun(pg, job, runId) {
    const head = h('div', {}), info = h('div', {});
    const out = logPanel(job, runId, 'stdout'), err = logPanel(job, runId, 'stderr');
    const logs = h('div', { class: 'logs' }, out.el, err.el);
    fill(main, head, info, logs);
    let jr;
    function draw() {
      const live = ['STARTING', 'RUNNING', 'STOPPING', 'WAITING'].includes(jr.JobRunState);
      const args = Object.assign({}, jr.Arguments || {});
      const wfName = args['--WORKFLOW_NAME'], wfRun = args['--WORKFLOW_RUN_ID'];
      fill(head, crumbs(['Jobs', '#/jobs'], [job, href('job', job)], 'Run ' + shortId(runId)),
        h('div', { class: 'pagehead' },
          h('div', { class: 'title' }, h('h1', { class: 'mono' }, runId), h('span', { id: 'jobrun-status' }, badge(jr.JobRunState))),
          h('div', { class: 'actions' },
            live ? h('button', { type: 'button', class: 'danger', onclick: async () => {
              const r = await act('BatchStopJobRun', { JobName: job, JobRunIds: [runId] }, runId);
              if (r && r.Errors && r.Errors.length) flash(r.Errors[0].ErrorDetail.ErrorCode, r.Errors[0].ErrorDetail.ErrorMessage, true);
            } }, '■ Stop job run') : null)));
      fill(info, h('div', { class: 'card' },
        facts([['Job', h('a', { href: href('job', job) }, job)], ['Attempt', String(jr.Attempt || 0)],
          jr.TriggerName ? ['Trigger', jr.TriggerName] : null,
          wfName ? ['Workflow run', h('a', { href: href('run', wfName, wfRun) }, wfName + ' / ' + shortId(wfRun))] : null,
          ['Started', fmtTime(jr.StartedOn)], ['Completed', fmtTime(jr.CompletedOn)],
          ['Duration', duration(jr.StartedOn, jr.CompletedOn, live)],
          jr.Timeout ? ['Timeout', jr.Timeout + ' min'] : null,
          jr.PreviousRunId ? ['Retry of', h('a', { class: 'mono', href: href('jobrun', job, jr.PreviousRunId) }, jr.PreviousRunId)] : null]),
        jr.ErrorMessage ? [h('h3', {}, 'Error message'), h('div', { class: 'errbox', id: 'error-message' }, jr.ErrorMessage)] : null,
        h('h3', {}, 'Arguments'), kvTable(jr.Arguments, 'No arguments.'),
        (jr.PredecessorRuns || []).length ? [h('h3', {}, 'Started after'), h('ul', {}, jr.PredecessorRuns.map((p) => h('li', {}, h('a', { href: href('jobrun', p.JobName, p.RunId) }, p.JobName + ' / ' + shortId(p.RunId)))))] : null));
      return live;
    }
    try {
      jr = (await call('GetJobRun', { JobName: job, RunId: runId, PredecessorsIncluded: true })).JobRun;
      draw();
    } catch (e) {
      showError(e);
      fill(main, crumbs(['Jobs', '#/jobs'], [job, href('job', job)], runId), h('div', { class: 'card errbox' }, e.type ? e.type + ': ' + e.message : String(e)));
      return;
    }
    let live = ['STARTING', 'RUNNING', 'STOPPING', 'WAITING'].includes(jr.JobRunState);
    // stdout then stderr, as glued logs prints them; a run that failed shows what it said went wrong first
    if (['FAILED', 'ERROR', 'TIMEOUT'].includes(jr.JobRunState)) logs.insertBefore(err.el, out.el);
    out.setFollow(live);
    err.setFollow(live);
    await Promise.all([out.poll(!live), err.poll(!live)]);
    markReady('jobrun');
    every(pg, 1000, async () => {
      if (live) {
        jr = (await call('GetJobRun', { JobName: job, RunId: runId, PredecessorsIncluded: true })).JobRun;
        live = draw();
      }
      await Promise.all([out.poll(!live), err.poll(!live)]);
      return live || !out.isDone() || !err.isDone();
    });
  }

  /* ---------- page: jobs, and one job ---------- */

  function pagedList(pg, opts) {
    // opts: {title, sub, op, body, key, head, row(item) -> tr, after(items, rows)}
    const tokens = [null];
    let at = 0;
    const body = h('div', {}), pager = h('div', { class: 'pager' });
    fill(main, h('div', { class: 'pagehead' }, h('div', {}, h('h1', {}, opts.title), h('div', { class: 'sub' }, opts.sub))), body, pager);
    async function load() {
      let d;
      try {
        d = await call(opts.op, Object.assign({ MaxResults: LIST_PAGE }, opts.body || {}, tokens[at] ? { NextToken: tokens[at] } : {}));
      } catch (e) {
        showError(e);
        return;
      }
      if (!pg.alive) return;
      tokens[at + 1] = d.NextToken || null;
      const items = d[opts.key] || [];
      clear(body).appendChild(items.length ? table(opts.head, items.map((it) => opts.row(it, load))) : h('div', { class: 'card empty' }, opts.empty));
      fill(pager, 
        h('button', { type: 'button', disabled: at === 0, onclick: () => { at--; load(); } }, '‹ Previous'),
        h('span', {}, 'Page ' + (at + 1)),
        h('button', { type: 'button', disabled: !tokens[at + 1], onclick: () => { at++; load(); } }, 'Next ›'));
      if (opts.after) opts.after(items);
      markReady(opts.ready);
    }
    return load();
  }

  async function pageJobs(pg) {
    const lastCells = new Map();
    await pagedList(pg, {
      title: 'Jobs', sub: 'Job definitions and their last run.', op: 'GetJobs', key: 'Jobs', ready: 'jobs',
      empty: 'No jobs yet.',
      head: ['Name', 'Command', h('th', { class: 'hide-narrow' }, 'Script'), 'Last run', ''],
      row: (j) => {
        const cell = h('td', {}, h('span', { class: 'note' }, '…'));
        lastCells.set(j.Name, cell);
        return h('tr', { 'data-job': j.Name },
          h('td', { class: 'name' }, h('a', { href: href('job', j.Name) }, j.Name)),
          h('td', {}, (j.Command && j.Command.Name) || '—'),
          h('td', { class: 'mono hide-narrow' }, (j.Command && j.Command.ScriptLocation) || '—'),
          cell,
          h('td', {}, h('button', { type: 'button', class: 'small', 'aria-label': 'Run job ' + j.Name, onclick: async () => {
            const id = await runJob(j.Name);
            if (id) location.hash = href('jobrun', j.Name, id);
          } }, '▶ Run')));
      },
      after: (items) => {
        // the last run of each job on this page, a few at a time
        const queue = items.map((j) => j.Name);
        const worker = async () => {
          while (queue.length && pg.alive) {
            const name = queue.shift();
            try {
              const r = (await call('GetJobRuns', { JobName: name, MaxResults: 1 })).JobRuns || [];
              const cell = lastCells.get(name);
              fill(cell, r.length ? [h('a', { href: href('jobrun', name, r[0].Id) }, badge(r[0].JobRunState)), ' ', h('span', { class: 'note' }, fmtTime(r[0].StartedOn))]
                : h('span', { class: 'note' }, 'Never ran'));
            } catch (e) { /* shown as not known */ }
          }
        };
        for (let i = 0; i < 4; i++) worker();
      },
    });
  }

  async function pageJob(pg, name) {
    const head = h('div', {}), def = h('div', {}), runs = h('div', {});
    fill(main, head, def, h('section', { class: 'card', 'aria-label': 'Job runs' }, h('h2', {}, 'Job runs'), runs));
    fill(head, crumbs(['Jobs', '#/jobs'], name), h('div', { class: 'pagehead' }, h('div', { class: 'title' }, h('h1', {}, name)),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: async () => {
        const id = await runJob(name);
        if (id) location.hash = href('jobrun', name, id);
      } }, '▶ Run job…'))));
    try {
      const j = (await call('GetJob', { JobName: name })).Job;
      fill(def, h('div', { class: 'card' }, facts([
        ['Command', (j.Command && j.Command.Name) || '—'], ['Script', h('span', { class: 'mono' }, (j.Command && j.Command.ScriptLocation) || '—')],
        ['Max retries', String(j.MaxRetries || 0)], ['Timeout', j.Timeout ? j.Timeout + ' min' : '—'], ['Created', fmtTime(j.CreatedOn)],
        j.Description ? ['Description', j.Description] : null]),
      j.DefaultArguments && Object.keys(j.DefaultArguments).length ? [h('h3', {}, 'Default arguments'), kvTable(j.DefaultArguments)] : null));
    } catch (e) {
      showError(e);
      fill(def, h('div', { class: 'card errbox' }, e.type ? e.type + ': ' + e.message : String(e)));
      return;
    }
    async function load() {
      const list = (await call('GetJobRuns', { JobName: name, MaxResults: 50 })).JobRuns || [];
      fill(runs, list.length ? table(['Run', 'Attempt', 'State', 'Started', 'Duration', 'Error'], list.map((jr) => h('tr', {},
        h('td', { class: 'mono' }, h('a', { href: href('jobrun', name, jr.Id) }, jr.Id)), h('td', { class: 'num' }, String(jr.Attempt || 0)),
        h('td', {}, badge(jr.JobRunState)), h('td', { class: 'nowrap' }, fmtTime(jr.StartedOn)),
        h('td', { class: 'nowrap' }, duration(jr.StartedOn, jr.CompletedOn, jr.JobRunState === 'RUNNING')),
        h('td', {}, jr.ErrorMessage ? h('span', { class: 'err' }, jr.ErrorMessage) : '—')))) : h('p', { class: 'note' }, 'This job never ran.'));
      return list.some((jr) => ['STARTING', 'RUNNING', 'STOPPING', 'WAITING'].includes(jr.JobRunState));
    }
    let live = await load();
    markReady('job');
    let n = 0;
    every(pg, 1000, async () => { if (live || ++n % 5 === 0) live = await load(); });
  }

  /* ---------- page: triggers ---------- */

  function triggerSummary(t) {
    if (t.Schedule) return h('code', {}, t.Schedule);
    const conds = (t.Predicate && t.Predicate.Conditions) || [];
    if (conds.length) {
      const sep = t.Predicate.Logical === 'ANY' ? ' or ' : ' and ';
      return conds.map((c) => (c.JobName || c.CrawlerName) + ' ' + (c.State || c.CrawlState || '').toLowerCase()).join(sep);
    }
    if (t.Type === 'EVENT') {
      const b = t.EventBatchingCondition || {};
      const size = b.BatchSize || 1, win = b.BatchWindow || 900;
      return size === 1 ? 'each event' : 'events: ' + size + ' at once, or ' + win + ' s after the first';
    }
    return t.Type === 'ON_DEMAND' ? 'on demand' : '—';
  }
  async function pageTriggers(pg) {
    await pagedList(pg, {
      title: 'Triggers', sub: 'What starts jobs and crawlers: on demand, on a schedule, or on other jobs\' outcomes.',
      op: 'GetTriggers', key: 'Triggers', ready: 'triggers', empty: 'No triggers yet.',
      head: ['Name', 'Workflow', 'Type', 'State', 'When', 'Starts', ''],
      row: (t, reload) => h('tr', { 'data-trigger': t.Name },
        h('td', { class: 'name' }, t.Name), h('td', {}, t.WorkflowName ? h('a', { href: href('workflow', t.WorkflowName) }, t.WorkflowName) : '—'),
        h('td', {}, t.Type), h('td', {}, badge(t.State)), h('td', {}, triggerSummary(t)),
        h('td', {}, (t.Actions || []).map((a) => a.JobName || a.CrawlerName).join(', ')),
        h('td', {}, triggerButtons(t, reload))),
    });
  }

  /* ---------- page: crawlers ---------- */

  async function pageCrawlers(pg) {
    const changes = new Map();
    await pagedList(pg, {
      title: 'Crawlers', sub: 'Crawlers with their last crawl.', op: 'GetCrawlers', key: 'Crawlers', ready: 'crawlers', empty: 'No crawlers yet.',
      head: ['Name', 'State', 'Schedule', 'Last crawl', 'What it changed', ''],
      row: (c, reload) => {
        const lc = c.LastCrawl;
        const cell = h('td', {}, '—');
        changes.set(c.Name, cell);
        return h('tr', { 'data-crawler': c.Name },
          h('td', { class: 'name' }, c.Name, h('div', { class: 'note mono' }, ((c.Targets && c.Targets.S3Targets) || []).map((t) => t.Path).join(', '))),
          h('td', {}, badge(c.State)), h('td', {}, c.Schedule && c.Schedule.ScheduleExpression ? h('code', {}, c.Schedule.ScheduleExpression) : '—'),
          h('td', {}, lc ? [badge(lc.Status), ' ', h('span', { class: 'note' }, fmtTime(lc.StartTime)), lc.ErrorMessage ? h('span', { class: 'err' }, lc.ErrorMessage) : null] : h('span', { class: 'note' }, 'Never crawled')),
          cell, h('td', {}, crawlerButtons(c.Name, c.State, reload)));
      },
      after: async (items) => {
        if (!items.length) return;
        try { // GetCrawlerMetrics, where glued serves it: tables created, updated and deleted by the last crawl
          const m = await call('GetCrawlerMetrics', { CrawlerNameList: items.map((c) => c.Name).slice(0, 100) });
          for (const cm of m.CrawlerMetricsList || []) {
            const cell = changes.get(cm.CrawlerName);
            if (cell) fill(cell, cm.TablesCreated + ' created, ' + cm.TablesUpdated + ' updated, ' + cm.TablesDeleted + ' deleted');
          }
        } catch (e) { /* not served: the column stays empty */ }
      },
    });
  }

  /* ---------- sign-in ---------- */

  function pageLogin() {
    const akid = h('input', { type: 'text', id: 'akid', autocomplete: 'username', required: true, spellcheck: 'false' });
    const secret = h('input', { type: 'password', id: 'secret', autocomplete: 'current-password', required: true });
    const msg = h('div', { role: 'alert' });
    clear(main).appendChild(h('div', { class: 'card login' }, h('h1', {}, 'Sign in'),
      h('p', { class: 'note' }, 'This glued requires credentials. Sign in with an access key id and its secret, as an AWS client would use them.'),
      h('form', { onsubmit: async (ev) => {
        ev.preventDefault();
        clear(msg);
        const r = await fetch('api/login', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', 'X-Glued-Token': session.token || '' },
          body: JSON.stringify({ AccessKeyId: akid.value.trim(), SecretAccessKey: secret.value }) });
        const d = await r.json().catch(() => ({}));
        if (!r.ok) {
          if (d.__type === 'InvalidTokenException') await loadSession();
          msg.appendChild(h('div', { class: 'errbox' }, (d.__type || 'Error') + ': ' + (d.Message || r.statusText)));
          return;
        }
        secret.value = '';
        session.token = d.Token;
        session.signedIn = true;
        session.user = d.User;
        drawWho();
        if (parseHash().parts[0] === 'login' || !location.hash) location.hash = '#/workflows';
        else route();
      } },
      h('div', { class: 'field' }, h('label', { for: 'akid' }, 'Access key ID'), akid),
      h('div', { class: 'field' }, h('label', { for: 'secret' }, 'Secret access key'), secret),
      msg, h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in')))));
    akid.focus();
    markReady('login');
  }

  function drawWho() {
    const who = clear(document.getElementById('who'));
    if (!session.authRequired || !session.signedIn) return;
    who.append(h('span', {}, 'Signed in as ', h('b', {}, session.user || '')), h('button', { type: 'button', class: 'small', onclick: async () => {
      const r = await fetch('api/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-Glued-Token': session.token || '' } });
      const d = await r.json().catch(() => ({}));
      if (d.Token) session.token = d.Token;
      session.signedIn = false;
      session.user = null;
      drawWho();
      route();
    } }, 'Sign out'));
  }

  /* ---------- the router ---------- */

  async function route() {
    const pg = newPage();
    const { parts, query } = parseHash();
    // messages about the page being left go with it (one said just before, e.g. "Run started", stays)
    for (const f of document.querySelectorAll('#flash .flash')) if (Date.now() - Number(f.dataset.at) > 1500) f.remove();
    document.body.removeAttribute('data-ready');
    const section = parts[0] === 'workflow' || parts[0] === 'run' ? 'workflows' : parts[0] === 'job' || parts[0] === 'jobrun' ? 'jobs' : parts[0] || 'workflows';
    for (const a of document.querySelectorAll('.top nav a')) {
      if (a.getAttribute('data-section') === section) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (session.authRequired && !session.signedIn) {
      document.title = 'Sign in · glued';
      pageLogin();
      return;
    }
    const titles = { workflows: 'Workflows', workflow: parts[1], run: 'Run ' + (parts[2] || ''), jobrun: 'Job run ' + (parts[2] || ''),
      jobs: 'Jobs', job: parts[1], triggers: 'Triggers', crawlers: 'Crawlers' };
    document.title = (titles[parts[0]] || 'Workflows') + ' · glued';
    try {
      switch (parts[0]) {
        case 'workflow': return await pageWorkflow(pg, parts[1]);
        case 'run': return await pageRun(pg, parts[1], parts[2]);
        case 'jobrun': return await pageJobRun(pg, parts[1], parts[2]);
        case 'jobs': return await pageJobs(pg);
        case 'job': return await pageJob(pg, parts[1]);
        case 'triggers': return await pageTriggers(pg);
        case 'crawlers': return await pageCrawlers(pg);
        default: return await pageWorkflows(pg, query);
      }
    } catch (e) {
      if (pg.alive) showError(e);
    }
  }

  window.addEventListener('hashchange', () => {
    if (!location.hash.startsWith('#/') && location.hash) return; // not a page (e.g. the skip link)
    route();
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });
  document.getElementById('skip').addEventListener('click', (ev) => { ev.preventDefault(); main.focus(); });

  (async function start() {
    try {
      const boot = document.getElementById('glued-boot');
      if (boot) {
        const d = JSON.parse(boot.textContent);
        useSession(d);
        if (d.Workflows) bootList = d.Workflows;
      } else {
        await loadSession();
      }
    } catch (e) {
      clear(main).appendChild(h('div', { class: 'card errbox' }, 'Cannot reach glued: ' + e.message));
      return;
    }
    route();
  })();
})();
