// The jobs dashboard: plain JavaScript over the gateway's /api (ListJobs, overview, dead letters, live events).
'use strict';

const main = document.getElementById('main');
const banner = document.getElementById('error-banner');
const STATES = ['Pending', 'Processing', 'Success', 'Error'];
let token = sessionStorage.getItem('dashboard-token') || '';
let refresh = null;
let page = 0; // which page is shown: a page's fetch that ends after the next page was chosen must not draw over it
let onJobChange = null; // the current page's handler of live status changes

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function showError(message) {
  banner.textContent = message;
  banner.classList.remove('hidden');
}

function clearError() {
  banner.classList.add('hidden');
}

async function api(path, options = {}) {
  const headers = Object.assign({'Accept': 'application/json'}, options.headers || {});
  if (token) headers['X-Dashboard-Token'] = token;
  if (options.method === 'POST') headers['Content-Type'] = 'application/json';
  const response = await fetch(path, Object.assign({}, options, {headers}));
  const body = await response.json().catch(() => ({error: response.statusText}));
  if (!response.ok) {
    const prefix = response.status === 401 ? 'Not signed in (401): ' : response.status === 403 ? 'Refused (403): ' : `Error ${response.status}: `;
    throw new Error(prefix + (body.error || response.statusText));
  }
  return body;
}

function time(iso) {
  return iso ? new Date(iso).toISOString().replace('T', ' ').replace('Z', '') : '';
}

function statusCell(status) {
  return el('span', {class: `status status-${status}`}, status);
}

// --- Overview ---

async function overview() {
  const mine = page;
  onJobChange = null;
  const data = await api('/api/overview');
  if (mine !== page) return;
  const cards = el('div', {class: 'cards', id: 'status-counts'},
    STATES.map(s => el('div', {class: 'card', 'data-status': s}, el('div', {class: 'n'}, data.counts[s] || 0), el('div', {class: 'label'}, s))));
  main.replaceChildren(
    el('section', {}, el('h2', {}, 'Jobs by status now'), cards),
    el('section', {}, el('h2', {}, 'Last hour, per minute'), chart(data.per_minute),
      el('div', {class: 'legend'}, el('span', {class: 'submitted'}, '— submitted'), el('span', {class: 'succeeded'}, '— succeeded'),
        el('span', {class: 'failed'}, '— failed'))),
    el('section', {}, el('h2', {}, 'Workers and their input partitions'), workersTable(data.workers)));
}

function chart(perMinute) {
  const width = 720, height = 160, pad = 24;
  const series = ['succeeded', 'failed', 'submitted']; // submitted last and dashed: it often lies on succeeded
  const colors = {submitted: '#0b5cad', succeeded: '#13734b', failed: '#b42318'};
  const max = Math.max(1, ...series.flatMap(name => perMinute[name]));
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('id', 'activity-chart');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  for (const name of series) {
    const points = perMinute[name].map((n, i) => `${pad + i * (width - 2 * pad) / 59},${height - pad - n * (height - 2 * pad) / max}`);
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', points.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', colors[name]);
    line.setAttribute('stroke-width', '2');
    if (name === 'submitted') line.setAttribute('stroke-dasharray', '5 3');
    svg.append(line);
  }
  const label = document.createElementNS(ns, 'text');
  label.setAttribute('x', 4);
  label.setAttribute('y', 14);
  label.setAttribute('font-size', '11');
  label.textContent = `max ${max}/min`;
  svg.append(label);
  return svg;
}

function workersTable(workers) {
  return el('table', {id: 'workers-table'},
    el('thead', {}, el('tr', {}, el('th', {}, 'worker'), el('th', {}, 'host'), el('th', {}, 'input partitions, interactive then bulk (offset lag; a transaction marker counts 1)'))),
    el('tbody', {}, workers.length === 0 ? el('tr', {}, el('td', {colspan: 3}, 'no live workers')) :
      workers.map(w => w.error ? el('tr', {}, el('td', {colspan: 3}, w.error)) :
        el('tr', {}, el('td', {class: 'mono'}, w.client), el('td', {}, w.host),
          el('td', {}, w.partitions.map(p => `${p.priority === 'bulk' ? 'b' : ''}${p.partition} (${p.lag})`).join(', ')))))); 
}

// --- Jobs ---

function jobsQuery(params) {
  const query = new URLSearchParams();
  for (const key of ['status', 'task', 'id', 'cursor']) if (params.get(key)) query.set(key, params.get(key));
  for (const key of ['from', 'to']) if (params.get(key)) query.set(key, new Date(params.get(key)).toISOString());
  query.set('limit', '50');
  return query;
}

async function jobs(params) {
  const mine = page;
  const data = await api('/api/jobs?' + jobsQuery(params));
  if (mine !== page) return;
  const form = el('form', {class: 'filters', id: 'job-filters'},
    el('label', {}, 'status', el('select', {name: 'status'}, el('option', {value: ''}, 'any'),
      STATES.map(s => el('option', params.get('status') === s ? {value: s, selected: ''} : {value: s}, s)))),
    el('label', {}, 'task', el('select', {name: 'task'}, el('option', {value: ''}, 'any'),
      ['SYMBOL1', 'SYMBOL2', 'SYMBOL3'].map(t => el('option', params.get('task') === t ? {value: t, selected: ''} : {value: t}, t)))),
    el('label', {}, 'submitted from', el('input', {type: 'datetime-local', name: 'from', value: params.get('from') || ''})),
    el('label', {}, 'to', el('input', {type: 'datetime-local', name: 'to', value: params.get('to') || ''})),
    el('label', {}, 'id starts with', el('input', {type: 'search', name: 'id', value: params.get('id') || '', placeholder: 'hex'})),
    el('button', {type: 'submit'}, 'Filter'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) next.set(key, value);
    location.hash = '#/jobs?' + next;
  });
  const cancelAll = params.get('task') && params.get('status') !== 'Success' && params.get('status') !== 'Error'
    ? el('button', {class: 'danger', id: 'cancel-matching', onclick: async () => {
      const filter = {task: params.get('task')};
      if (params.get('status')) filter.status = params.get('status');
      if (params.get('from')) filter.since = new Date(params.get('from')).toISOString();
      if (params.get('to')) filter.until = new Date(params.get('to')).toISOString();
      try {
        const result = await api('/api/jobs/cancel', {method: 'POST', body: JSON.stringify(filter)});
        clearError();
        document.getElementById('cancel-matching').textContent = `${result.cancel_requested} of ${result.matched} asked to stop`;
      } catch (e) {
        showError(e.message);
      }
    }}, 'Cancel all unfinished matching') : '';
  const rows = el('tbody', {}, data.jobs.map(jobRow));
  const table = el('table', {id: 'jobs-table'},
    el('thead', {}, el('tr', {}, ['job', 'task', 'status', 'submitted', 'updated', 'attempts', 'error'].map(h => el('th', {}, h)))), rows);
  const more = data.next_cursor ? el('a', {id: 'next-page', href: '#/jobs?' + new URLSearchParams(Object.assign(
    Object.fromEntries(params), {cursor: data.next_cursor}))}, 'Older jobs →') : null;
  main.replaceChildren(form, cancelAll, table, more || '');
  const firstPage = !params.get('cursor') && !params.get('id') && !params.get('to');
  onJobChange = job => {
    const row = rows.querySelector(`tr[data-job-id="${job.job_id}"]`);
    const matches = (!params.get('status') || params.get('status') === job.status) && (!params.get('task') || params.get('task') === job.task);
    if (row) row.replaceWith(jobRow(job));
    else if (firstPage && matches && job.status === 'Pending') rows.prepend(jobRow(job));
  };
}

function jobRow(job) {
  return el('tr', {'data-job-id': job.job_id},
    el('td', {class: 'mono'}, el('a', {href: '#/job/' + job.job_id}, job.job_id.slice(0, 16) + '…')),
    el('td', {}, job.task || ''), el('td', {class: 'status-cell'}, statusCell(job.status)),
    el('td', {}, time(job.submitted_at)), el('td', {}, time(job.updated_at)), el('td', {}, job.attempts),
    el('td', {class: 'error-reason'}, job.error_reason || ''));
}

// --- One job ---

let recordsCache = {input: '', outputs: ''};

async function job(jobId) {
  const mine = page;
  const data = await api('/api/jobs/' + jobId);
  if (mine !== page) return;
  recordsCache = {input: 'looking on the input topic…', outputs: ''};
  renderJob(data.job);
  loadRecords(jobId, data.job.status);
  // Live changes carry the whole job: drawn as they come, in order (never a slower re-fetch over a newer state).
  onJobChange = changed => {
    if (changed.job_id === jobId && rank(changed.status) >= rank(shownStatus)) {
      renderJob(changed);
      if (changed.status === 'Success') loadRecords(jobId, changed.status);
    }
  };
}

let shownStatus = null;

async function loadRecords(jobId, status) {
  try {
    const records = await api(`/api/jobs/${jobId}/records`);
    recordsCache = {input: records.input.join('\n') || '(not found on the input topic)',
      outputs: records.outputs.join('\n') || (status === 'Success' ? '(none)' : '(once it succeeds)')};
  } catch (e) {
    recordsCache = {input: e.message, outputs: ''};
  }
  const input = document.querySelector('#job-input pre');
  const outputs = document.querySelector('#job-outputs pre');
  if (input) input.textContent = recordsCache.input;
  if (outputs) outputs.textContent = recordsCache.outputs;
}

async function refreshProgress(jobId) {
  const mine = page;
  const data = await api('/api/jobs/' + jobId);
  const shown = document.getElementById('job-progress');
  if (mine === page && shown && data.job.progress) shown.replaceChildren(progressBar(data.job.progress));
}

function progressBar(p) {
  const percent = p.total > 0 ? Math.floor(100 * p.done / p.total) : null;
  return el('span', {},
    el('span', {class: 'progress', role: 'progressbar', 'data-done': p.done, 'data-total': p.total, style: 'display: inline-flex; width: 12em'},
      el('span', {class: 'progress-success', style: `width: ${percent === null ? 0 : percent}%`})),
    ` ${p.done}${p.total > 0 ? ' of ' + p.total : ''}${p.message ? ' — ' + p.message : ''}`);
}

function rank(status) {
  return status === 'Pending' ? 0 : status === 'Processing' ? 1 : 2;
}

function renderJob(j) {
  shownStatus = j.status;
  const jobId = j.job_id;
  const ended = j.status === 'Success' || j.status === 'Error';
  const cancel = ended ? null : el('button', {class: 'danger', id: 'cancel-job', onclick: async () => {
    try {
      await api(`/api/jobs/${jobId}/cancel`, {method: 'POST', body: '{}'});
      clearError();
    } catch (e) {
      showError(e.message);
    }
  }}, 'Cancel');
  main.replaceChildren(
    el('h2', {}, 'Job ', el('span', {class: 'mono'}, j.job_id)),
    el('dl', {class: 'facts', id: 'job-facts'},
      el('dt', {}, 'status'), el('dd', {id: 'job-status'}, statusCell(j.status)),
      el('dt', {}, 'task'), el('dd', {}, j.task || ''),
      el('dt', {}, 'due'), el('dd', {id: 'job-due'}, j.due_at ? time(j.due_at) : '—'),
      el('dt', {}, 'attempts'), el('dd', {}, j.attempts),
      el('dt', {}, 'worker'), el('dd', {}, j.worker || ''),
      el('dt', {}, 'error reason'), el('dd', {id: 'job-error'}, j.error_reason || ''),
      el('dt', {}, 'trace id'), el('dd', {class: 'mono'}, j.trace_id || '—'),
      el('dt', {}, 'progress'), el('dd', {id: 'job-progress'}, j.progress ? progressBar(j.progress) : '—'),
      el('dt', {}, 'priority'), el('dd', {}, j.priority || 'interactive'),
      el('dt', {}, 'batch'), el('dd', {class: 'mono'}, j.batch_id ? el('a', {href: '#/batch/' + j.batch_id}, j.batch_id) : '—'),
      el('dt', {}, 'replay of'), el('dd', {class: 'mono'}, j.replay_of ? el('a', {href: '#/job/' + j.replay_of}, j.replay_of) : '—'),
      el('dt', {}, 'submitted arguments'), el('dd', {id: 'job-input'}, el('pre', {}, recordsCache.input)),
      el('dt', {}, 'output records'), el('dd', {id: 'job-outputs'}, el('pre', {}, recordsCache.outputs))),
    el('section', {}, el('h2', {}, 'Timeline'), el('ol', {class: 'timeline', id: 'timeline'},
      j.history.map(h => el('li', {'data-status': h.status}, time(h.time), ' ', statusCell(h.status),
        h.status === 'Error' && j.error_reason ? ` — ${j.error_reason}` : '',
        h.status !== 'Pending' ? ` (attempt ${j.attempts}, ${j.worker || ''})` : ''))), cancel || ''));
}

// --- Dead letters ---

async function deadLetters() {
  const mine = page;
  onJobChange = null;
  const data = await api('/api/dead-letters');
  if (mine !== page) return;
  const act = (ref, what) => async () => {
    try {
      const result = await api(`/api/dead-letters/${ref}/${what}`, {method: 'POST', body: '{}'});
      clearError();
      if (result.replayed_as) location.hash = '#/job/' + result.replayed_as;
      else route();
    } catch (e) {
      showError(e.message);
    }
  };
  const bulk = el('form', {class: 'filters', id: 'dlt-bulk'},
    el('label', {}, 'task', el('select', {name: 'task'}, el('option', {value: ''}, 'any'),
      ['SYMBOL1', 'SYMBOL2', 'SYMBOL3'].map(t => el('option', {value: t}, t)))),
    el('label', {}, 'reason contains', el('input', {type: 'search', name: 'reason'})),
    el('button', {type: 'submit'}, 'Replay all matching'), el('span', {id: 'dlt-bulk-result'}));
  bulk.addEventListener('submit', async event => {
    event.preventDefault();
    const filter = Object.fromEntries([...new FormData(bulk)].filter(([, v]) => v));
    try {
      const result = await api('/api/dead-letters/replay', {method: 'POST', body: JSON.stringify(filter)});
      clearError();
      await deadLetters();
      document.getElementById('dlt-bulk-result').textContent =
        ` ${result.replayed} replayed of ${result.matched} matching (${result.already_handled} done before)`;
    } catch (e) {
      showError(e.message);
    }
  });
  main.replaceChildren(el('h2', {}, 'Dead letters'), bulk, el('table', {id: 'dlt-table'},
    el('thead', {}, el('tr', {}, ['record', 'job', 'dead-lettered', 'why (dlt.* headers)', 'value', 'state', ''].map(h => el('th', {}, h)))),
    el('tbody', {}, data.dead_letters.length === 0 ? el('tr', {}, el('td', {colspan: 7}, 'no dead letters')) :
      data.dead_letters.map(d => el('tr', {'data-ref': d.ref},
        el('td', {class: 'mono'}, d.ref), el('td', {class: 'mono'}, d.key ? d.key.slice(0, 16) + '…' : ''),
        el('td', {}, time(new Date(d.timestamp).toISOString())),
        el('td', {}, el('pre', {}, Object.entries(d.reasons).map(([k, v]) => `${k}: ${v}`).join('\n'))),
        el('td', {}, el('pre', {}, d.value || '')),
        el('td', {class: 'dlt-state'}, d.state, d.replayed_as ? el('a', {href: '#/job/' + d.replayed_as}, ' → new job') : ''),
        el('td', {}, d.state === 'dead' && d.replayable ? el('button', {class: 'replay', onclick: act(d.ref, 'replay')}, 'Replay') : '',
          d.state === 'dead' ? el('button', {class: 'danger discard', onclick: act(d.ref, 'discard')}, 'Discard') : ''))))));
}

// --- Schedules ---

async function schedules() {
  const mine = page;
  onJobChange = null;
  const data = await api('/api/schedules');
  if (mine !== page) return;
  const act = (name, what) => async () => {
    try {
      await api(`/api/schedules/${encodeURIComponent(name)}/${what}`, {method: 'POST', body: '{}'});
      clearError();
      route();
    } catch (e) {
      showError(e.message);
    }
  };
  main.replaceChildren(el('h2', {}, 'Schedules'), el('table', {id: 'schedules-table'},
    el('thead', {}, el('tr', {}, ['name', 'task', 'when', 'daterange', 'last tick', 'next tick', 'state', ''].map(h => el('th', {}, h)))),
    el('tbody', {}, data.schedules.length === 0 ? el('tr', {}, el('td', {colspan: 8}, 'no schedules')) :
      data.schedules.map(s => el('tr', {'data-name': s.name},
        el('td', {class: 'mono'}, s.name), el('td', {}, s.task),
        el('td', {class: 'mono'}, s.cron ? `${s.cron} (${s.zone})` : `every ${s.every}`),
        el('td', {class: 'mono'}, s.daterange || ''),
        el('td', {class: 'last-tick'}, time(s.last_tick)), el('td', {class: 'next-tick'}, s.paused ? '—' : time(s.next_tick)),
        el('td', {class: 'schedule-state'}, s.paused ? 'paused' : 'active'),
        el('td', {}, s.paused ? el('button', {class: 'resume', onclick: act(s.name, 'resume')}, 'Resume')
          : el('button', {class: 'pause', onclick: act(s.name, 'pause')}, 'Pause')))))));
}

// --- Tasks ---

async function tasksPage() {
  const mine = page;
  onJobChange = null;
  const data = await api('/api/tasks');
  if (mine !== page) return;
  const act = (task, what) => async () => {
    try {
      await api(`/api/tasks/${encodeURIComponent(task)}/${what}`, {method: 'POST', body: '{}'});
      clearError();
      route();
    } catch (e) {
      showError(e.message);
    }
  };
  const limit = task => async () => {
    const value = document.querySelector(`#tasks-table tr[data-task='${task}'] .limit-input`).value.trim();
    try {
      await api(`/api/tasks/${encodeURIComponent(task)}/concurrency`,
        {method: 'POST', body: JSON.stringify({concurrency: value === '' ? null : Number(value)})});
      clearError();
      route();
    } catch (e) {
      showError(e.message);
    }
  };
  main.replaceChildren(el('h2', {}, 'Tasks'),
    el('p', {}, 'Workers start no new job of a paused task: its jobs wait, parked in Kafka, and run once it is resumed; running ones finish. '
      + 'A limit caps the task\'s jobs running at once on each worker (empty: no limit).'),
    el('table', {id: 'tasks-table'},
      el('thead', {}, el('tr', {}, ['task', 'state', 'paused since', 'paused by', '', 'limit per worker', ''].map(h => el('th', {}, h)))),
      el('tbody', {}, data.tasks.map(t => el('tr', {'data-task': t.task},
        el('td', {class: 'mono'}, t.task),
        el('td', {class: 'task-state'}, t.paused ? 'paused' : 'running'),
        el('td', {}, t.paused ? time(t.paused_at) : '—'), el('td', {}, t.paused_by || '—'),
        el('td', {}, t.paused ? el('button', {class: 'resume', onclick: act(t.task, 'resume')}, 'Resume')
          : el('button', {class: 'pause', onclick: act(t.task, 'pause')}, 'Pause')),
        el('td', {class: 'task-limit'}, t.concurrency === null || t.concurrency === undefined ? 'none' : String(t.concurrency)),
        el('td', {}, el('input', {class: 'limit-input', type: 'number', min: 1, size: 4}),
          el('button', {class: 'set-limit', onclick: limit(t.task)}, 'Set limit')))))));
}

// --- Audit ---

async function auditPage() {
  const mine = page;
  onJobChange = null;
  const data = await api('/api/audit?limit=200');
  if (mine !== page) return;
  main.replaceChildren(el('h2', {}, 'Audit'), el('table', {id: 'audit-table'},
    el('thead', {}, el('tr', {}, ['when', 'who', 'action', 'on', 'what came of it'].map(h => el('th', {}, h)))),
    el('tbody', {}, data.entries.length === 0 ? el('tr', {}, el('td', {colspan: 5}, 'no actions yet')) :
      data.entries.map(e => el('tr', {},
        el('td', {}, time(e.at)), el('td', {}, e.who), el('td', {class: 'audit-action'}, e.action),
        el('td', {class: 'mono'}, e.target || ''), el('td', {}, e.detail || ''))))));
}

// --- Batches ---

function batchesPage() {
  onJobChange = null;
  const field = (id, label, attrs = {}) => el('label', {}, label + ' ', el('input', Object.assign({id}, attrs)));
  const open = el('form', {id: 'batch-open'}, field('batch-id', 'batch id', {size: 34, required: true}), el('button', {type: 'submit'}, 'Open'));
  open.addEventListener('submit', event => {
    event.preventDefault();
    location.hash = '#/batch/' + document.getElementById('batch-id').value.trim();
  });
  const submit = el('form', {id: 'batch-submit'},
    field('batch-task', 'task', {value: 'SYMBOL1', size: 8}), field('batch-from', 'from', {type: 'date', required: true}),
    field('batch-to', 'to', {type: 'date', required: true}), field('batch-days', 'days per job', {type: 'number', value: 1, min: 1}),
    el('button', {type: 'submit'}, 'Submit batch'));
  submit.addEventListener('submit', async event => {
    event.preventDefault();
    const value = id => document.getElementById(id).value;
    try {
      const body = {task: value('batch-task'), split: {from: value('batch-from'), to: value('batch-to'), days_per_job: Number(value('batch-days'))}};
      const answer = await api('/api/batches', {method: 'POST', body: JSON.stringify(body)});
      clearError();
      location.hash = '#/batch/' + answer.batch_id;
    } catch (e) {
      showError(e.message);
    }
  });
  main.replaceChildren(el('h2', {}, 'Batches'), open,
    el('h2', {}, 'Submit a batch'), el('p', {}, 'One job per N days of the range, all or nothing (needs the token).'), submit);
}

async function batch(batchId) {
  const mine = page;
  onJobChange = null;
  const b = await api('/api/batches/' + batchId);
  if (mine !== page) return;
  const done = b.success + b.error;
  const percent = b.total ? Math.floor(100 * done / b.total) : 0;
  const cancel = b.pending + b.processing === 0 ? '' : el('button', {class: 'danger', id: 'cancel-batch', onclick: async () => {
    try {
      await api(`/api/batches/${batchId}/cancel`, {method: 'POST', body: '{}'});
      clearError();
      route();
    } catch (e) {
      showError(e.message);
    }
  }}, 'Cancel batch');
  main.replaceChildren(el('h2', {}, 'Batch ', el('span', {class: 'mono'}, batchId)),
    el('div', {class: 'progress', id: 'batch-progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': b.total,
      'aria-valuenow': done, 'data-done': done, 'data-total': b.total},
      el('div', {class: 'progress-success', style: `width: ${b.total ? 100 * b.success / b.total : 0}%`}),
      el('div', {class: 'progress-error', style: `width: ${b.total ? 100 * b.error / b.total : 0}%`})),
    el('p', {id: 'batch-counts'}, `${done} of ${b.total} done (${percent}%): ${b.pending} pending, ${b.processing} processing, `
      + `${b.success} success, ${b.error} error`),
    cancel,
    el('p', {}, el('a', {href: `#/jobs`}, 'all jobs'), ' · ', 'first jobs: ', el('span', {id: 'batch-first-jobs'})));
  const firstJobs = await api(`/api/batches/${batchId}/jobs?limit=10`);
  if (mine !== page) return;
  document.getElementById('batch-first-jobs').replaceChildren(...firstJobs.jobs.map(j =>
    el('a', {class: 'mono', href: '#/job/' + j.job_id, title: j.status}, j.job_id.slice(0, 8) + '… ')));
}

// --- Routing and live updates ---

async function route() {
  clearInterval(refresh);
  page++;
  // Changes that arrive while a page is still loading are kept and handed to it once drawn:
  // a change must never be lost between the page's fetch and its live handler.
  const early = [];
  onJobChange = changed => early.push(changed);
  const [path, query] = (location.hash.slice(1) || '/overview').split('?');
  const params = new URLSearchParams(query || '');
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', path.startsWith(link.getAttribute('href').slice(1)));
  try {
    if (path.startsWith('/job/')) {
      const jobId = path.slice(5);
      await job(jobId);
      // Progress is not a status change (no live event): a running job's page looks again every 2 s.
      refresh = setInterval(() => { if (shownStatus === 'Processing') refreshProgress(jobId).catch(e => showError(e.message)); }, 2000);
    }
    else if (path === '/jobs') await jobs(params);
    else if (path === '/dead-letters') await deadLetters();
    else if (path === '/batches') batchesPage();
    else if (path.startsWith('/batch/')) {
      const batchId = path.slice(7);
      await batch(batchId);
      refresh = setInterval(() => batch(batchId).catch(e => showError(e.message)), 1000);
    }
    else if (path === '/audit') await auditPage();
    else if (path === '/tasks') {
      await tasksPage();
      refresh = setInterval(() => tasksPage().catch(e => showError(e.message)), 2000);
    }
    else if (path === '/schedules') {
      await schedules();
      refresh = setInterval(() => schedules().catch(e => showError(e.message)), 2000);
    }
    else {
      await overview();
      refresh = setInterval(() => overview().catch(e => showError(e.message)), 5000);
    }
    clearError();
    if (early.length && onJobChange) {
      const handler = onJobChange;
      early.splice(0).forEach(changed => handler(changed));
    }
  } catch (e) {
    showError(e.message);
  }
}

function live() {
  const source = new EventSource('/api/events' + (token ? '?token=' + encodeURIComponent(token) : ''));
  const state = document.getElementById('live-state');
  source.onopen = () => { state.textContent = 'live updates: on'; };
  source.onerror = () => { state.textContent = 'live updates: reconnecting'; };
  source.onmessage = event => {
    if (onJobChange) onJobChange(JSON.parse(event.data));
  };
  return source;
}

let events = live();
document.getElementById('token-form').addEventListener('submit', event => {
  event.preventDefault();
  token = document.getElementById('token').value.trim();
  sessionStorage.setItem('dashboard-token', token);
  events.close();
  events = live();
  route();
});
window.addEventListener('hashchange', route);
route();
