// The models console: every model's versions with their state (the v2 model metadata) and their traffic (requests
// by status, from the Prometheus metrics), polled so that a state change or new traffic shows without a reload. Data
// calls carry the API key the user entered (kept in this tab's sessionStorage) as the admission layer's X-API-Key.
const POLL_MILLIS = 2000;
const KEY = 'quiver.apiKey';
const $ = (selector) => document.querySelector(selector);
let previous = { at: 0, totals: new Map() };

async function get(path, accept = 'application/json') {
  const headers = { Accept: accept };
  if (sessionStorage.getItem(KEY)) headers['X-API-Key'] = sessionStorage.getItem(KEY);
  const response = await fetch(path, { headers });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    const hint = response.status === 401 ? ': an API key is needed (enter one above)'
      : response.status === 429 ? ': over this caller\'s limit, try again shortly' : '';
    throw new Error(`${path}: ${response.status} ${body.error || response.statusText}${hint}`);
  }
  return accept === 'application/json' ? response.json() : response.text();
}

/** Requests counted by model, version and status, from quiver_inference_request_seconds_count. */
function requestCounts(metrics) {
  const counts = new Map();
  const line = /^quiver_inference_request_seconds_count\{([^}]*)\} (\S+)$/gm;
  for (const [, labels, value] of metrics.matchAll(line)) {
    const label = Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
    const key = `${label.model}/${label.version}`;
    const byStatus = counts.get(key) || {};
    byStatus[label.status] = (byStatus[label.status] || 0) + Number(value);
    counts.set(key, byStatus);
  }
  return counts;
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  return td;
}

async function refresh() {
  try {
    const { models } = await get('/v1/models');
    const metadata = await Promise.all(models.sort().map((name) => get(`/v2/models/${encodeURIComponent(name)}`)));
    const counts = requestCounts(await get('/q/metrics', 'text/plain'));
    const now = Date.now();
    const totals = new Map();
    const rows = metadata.flatMap((model) => model.status.map((version) => {
      const key = `${model.name}/${version.version}`;
      const byStatus = counts.get(key) || {};
      const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
      totals.set(key, total);
      const rate = previous.at && previous.totals.has(key)
        ? ((total - previous.totals.get(key)) / ((now - previous.at) / 1000)).toFixed(1) : '';
      const tr = document.createElement('tr');
      tr.dataset.model = model.name;
      tr.dataset.version = version.version;
      tr.dataset.state = version.state;
      tr.dataset.requests = total;
      tr.append(cell(model.name), cell(version.version), cell(version.state, `state-${version.state}`),
        cell(version.reason), cell(version.loaded_at), cell(version.load_ms?.toFixed(1)),
        cell(Object.entries(byStatus).map(([status, n]) => `${status}: ${n}`).join(', '), 'requests'), cell(rate));
      return tr;
    }));
    previous = { at: now, totals };
    $('#versions tbody').replaceChildren(...rows);
    $('#status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    $('#status').className = '';
  } catch (error) {
    $('#status').textContent = error.message;
    $('#status').className = 'error';
  }
}

$('#api-key').value = sessionStorage.getItem(KEY) || '';
$('#key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('#api-key').value.trim();
  if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
  refresh();
});
$('#forget-key').addEventListener('click', () => { sessionStorage.removeItem(KEY); $('#api-key').value = ''; refresh(); });
refresh();
setInterval(refresh, POLL_MILLIS);
