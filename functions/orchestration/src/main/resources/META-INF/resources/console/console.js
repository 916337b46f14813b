// The runs console: the run list with its filters, one run as a graph of its step instances, a step's attempts,
// retry decisions and series, and the pool's queues; everything polled, so that a state change shows without reload.
import { get, explain, apiKey, setApiKey } from './api.js';
import { graphText } from './graph.js';

const POLL_MILLIS = 2000;
const view = { run: null, instance: null, series: null, graph: '', chart: null };
const $ = (selector) => document.querySelector(selector);

mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', flowchart: { htmlLabels: false } });

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  return td;
}

function row(cells, data) {
  const tr = document.createElement('tr');
  cells.forEach((c) => tr.append(c));
  Object.entries(data || {}).forEach(([k, v]) => { tr.dataset[k] = v; });
  return tr;
}

function replaceRows(table, rows) {
  $(`${table} tbody`).replaceChildren(...rows);
}

function time(instant) {
  return instant ? new Date(instant).toLocaleString() : '';
}

async function refreshRuns() {
  const query = new URLSearchParams({ limit: '50' });
  if ($('#filter-pipeline').value.trim()) query.set('pipeline', $('#filter-pipeline').value.trim());
  if ($('#filter-state').value) query.set('state', $('#filter-state').value);
  const runs = await get(`/runs?${query}`);
  replaceRows('#runs', runs.map((run) => {
    const tr = row([cell(run.id), cell(run.pipeline), cell(run.state, `state state-${run.state}`),
      cell(time(run.createdAt))], { run: run.id });
    tr.addEventListener('click', () => { view.run = run.id; view.instance = null; refresh(); });
    return tr;
  }));
}

async function refreshRun() {
  if (!view.run) return;
  const run = await get(`/runs/${encodeURIComponent(view.run)}`);
  const pipeline = await get(`/pipelines/${encodeURIComponent(run.pipeline)}/versions/${run.pipelineVersion}`);
  $('#run-section').hidden = false;
  $('#run-title').textContent = `Run ${run.id} of ${run.pipeline} v${run.pipelineVersion}: ${run.state}`;
  replaceRows('#steps', run.steps.map((step) => {
    const tr = row([cell(step.instance), cell(step.state, `state state-${step.state}`), cell(step.attempt),
      cell(step.reason)], { instance: step.instance, state: step.state });
    tr.addEventListener('click', () => { view.instance = step.instance; view.series = null; refresh(); });
    return tr;
  }));
  const text = graphText(run.steps, pipeline.depends || {});
  if (text !== view.graph) {
    const { svg } = await mermaid.render('run-graph', text);
    $('#graph').innerHTML = svg;
    view.graph = text;
  }
}

async function refreshStep() {
  if (!view.run || !view.instance) return;
  const path = `/runs/${encodeURIComponent(view.run)}/steps/${encodeURIComponent(view.instance)}`;
  const detail = await get(path);
  $('#step-section').hidden = false;
  $('#step-title').textContent = `${detail.step.instance}: ${detail.step.state}, attempt ${detail.step.attempt}`;
  replaceRows('#attempts', detail.attempts.map((a) => row([cell(a.attempt), cell(a.state, `state state-${a.state}`),
    cell(time(a.dispatchedAt)), cell(time(a.finishedAt)), cell([a.errorClass, a.message].filter(Boolean).join(': ')),
    cell(a.decision ? `${a.decision.action}: ${a.decision.reasons.join('; ')}` : '')], { attempt: a.attempt })));
  drawTimeline(detail.attempts);
  const select = $('#series');
  if (select.options.length !== detail.series.length
      || detail.series.some((name, i) => select.options[i].value !== name)) {
    select.replaceChildren(...detail.series.map((name) => new Option(name, name)));
  }
  view.series = view.series && detail.series.includes(view.series) ? view.series : detail.series[0];
  select.value = view.series || '';
  if (view.series) drawSeries(await get(`${path}/series/${encodeURIComponent(view.series)}`));
}

/** The attempts as bars on one time axis, from their dispatch to their end (or now, while they run). */
function drawTimeline(attempts) {
  const spans = attempts.filter((a) => a.dispatchedAt).map((a) => ({ a,
    from: Date.parse(a.dispatchedAt), to: a.finishedAt ? Date.parse(a.finishedAt) : Date.now() }));
  const start = Math.min(...spans.map((s) => s.from));
  const width = Math.max(...spans.map((s) => s.to)) - start || 1;
  $('#timeline').replaceChildren(...spans.map(({ a, from, to }) => {
    const bar = document.createElement('span');
    bar.className = `bar-${a.state}`;
    bar.style.left = `${((from - start) / width) * 100}%`;
    bar.style.width = `${Math.max(((to - from) / width) * 100, 1)}%`;
    bar.style.background = a.state === 'SUCCEEDED' ? '#1b7f3b' : a.state === 'FAILED' ? '#b00020' : '#1a56b0';
    bar.title = `attempt ${a.attempt}: ${a.state}`;
    bar.textContent = `#${a.attempt}`;
    return bar;
  }));
}

function drawSeries(samples) {
  const data = { labels: samples.map((s) => new Date(s.at).toLocaleTimeString()),
    datasets: [{ label: view.series, data: samples.map((s) => s.value), borderColor: '#1a56b0' }] };
  if (view.chart) {
    view.chart.data = data;
    view.chart.update('none');
  } else {
    view.chart = new Chart($('#series-chart'), { type: 'line', data, options: { animation: false } });
  }
}

async function refreshPool() {
  const pool = await get('/pool');
  replaceRows('#pool', pool.queues.map((q) => row([cell(q.name), cell(amounts(q.usage)), cell(amounts(q.nominal)),
    cell(q.admitted), cell(q.pending)], { queue: q.name })));
}

function amounts(byResource) {
  return Object.entries(byResource || {}).map(([resource, amount]) => `${resource} ${amount}`).join(', ');
}

async function refreshUsage() {
  try {
    const usage = await get('/admission/usage');
    $('#usage').textContent = JSON.stringify(usage);
  } catch (error) {
    $('#usage').textContent = explain(error);
  }
}

async function refresh() {
  const status = $('#status');
  try {
    await refreshRuns();
    await refreshRun();
    await refreshStep();
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
    status.className = '';
  } catch (error) {
    status.textContent = explain(error);
    status.className = 'error';
  }
  await refreshPool().catch((error) => { replaceRows('#pool', [row([cell(explain(error))])]); });
  await refreshUsage();
}

$('#api-key').value = apiKey();
$('#key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setApiKey($('#api-key').value.trim());
  refresh();
});
$('#forget-key').addEventListener('click', () => { setApiKey(''); $('#api-key').value = ''; refresh(); });
$('#filters').addEventListener('input', refresh);
$('#series').addEventListener('change', () => { view.series = $('#series').value; refresh(); });
refresh();
setInterval(refresh, POLL_MILLIS);
