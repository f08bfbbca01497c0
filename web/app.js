// The planner's page: forms onto the /v1 API, results as tables and charts. Bundled by esbuild
// into one file and compiled into the suanli binary, so it works offline.
import embed from 'vega-embed';

const $ = (id) => document.getElementById(id);
const tokenInput = $('token');
tokenInput.value = sessionStorage.getItem('suanli-token') || '';
tokenInput.addEventListener('change', () => sessionStorage.setItem('suanli-token', tokenInput.value));

// One call to the API; resolves to the JSON body or throws {error, field, line}.
// A 503 means the server's forecast and replay slots are busy: wait as it says and retry.
async function api(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (tokenInput.value) headers.Authorization = `Bearer ${tokenInput.value}`;
  let res;
  for (let attempt = 0; ; attempt++) {
    res = await fetch(path, body === undefined ? { headers }
      : { method: 'POST', headers, body: JSON.stringify(body) });
    if (res.status !== 503 || attempt >= 60) break;
    const wait = Math.min(5, Number(res.headers.get('Retry-After')) || 1);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
  const type = res.headers.get('Content-Type') || '';
  const payload = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw (typeof payload === 'object' ? payload : { error: String(payload) });
  return payload;
}

const describe = (e) => (e.field ? `${e.field}: ` : '') + (e.line ? `line ${e.line}: ` : '') + (e.error || String(e));

function fillTable(table, header, rows) {
  table.replaceChildren();
  const head = table.insertRow();
  for (const h of header) { const th = document.createElement('th'); th.textContent = h; head.appendChild(th); }
  for (const r of rows) {
    const tr = table.insertRow();
    for (const v of r) tr.insertCell().textContent = v;
  }
}

const fmt = (v, digits = 0) => (v === null || v === undefined ? '-'
  : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

// Form fields as a request: empty inputs are left out (the defaults apply).
function formRequest(form) {
  const body = {};
  for (const [k, v] of new FormData(form).entries()) if (String(v).trim() !== '') body[k] = String(v).trim();
  return body;
}

// --- tabs ---------------------------------------------------------------------------------
for (const b of document.querySelectorAll('nav button')) {
  b.addEventListener('click', () => {
    for (const x of document.querySelectorAll('nav button')) x.classList.toggle('active', x === b);
    for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t.id === `tab-${b.dataset.tab}`);
  });
}

// --- catalog lists ------------------------------------------------------------------------
async function loadCatalog() {
  const [models, chips] = await Promise.all([api('/v1/catalog/models'), api('/v1/catalog/chips')]);
  for (const sel of document.querySelectorAll('select.models')) {
    for (const m of models.models) sel.add(new Option(m.id, m.id));
  }
  document.querySelector('#compare-form select.models').value = 'deepseek-r1';
  document.querySelector('#train-form select.models').value = 'llama-3-70b';
  for (const sel of document.querySelectorAll('select.chips')) {
    for (const c of chips.chips) sel.add(new Option(c.id, c.id));
    sel.value = 'h800';
  }
}

// --- forecast -----------------------------------------------------------------------------
const yaml = $('scenario-yaml');
const gutter = $('gutter');
let badLine = 0;
function drawGutter() {
  const n = yaml.value.split('\n').length;
  gutter.replaceChildren();
  for (let i = 1; i <= n; i++) {
    const s = document.createElement('span');
    s.textContent = `${i}\n`;
    if (i === badLine) s.className = 'bad';
    gutter.appendChild(s);
  }
  gutter.scrollTop = yaml.scrollTop;
}
yaml.addEventListener('input', () => { badLine = 0; drawGutter(); });
yaml.addEventListener('scroll', () => { gutter.scrollTop = yaml.scrollTop; });

function showScenarioError(e) {
  const list = $('scenario-errors');
  list.replaceChildren();
  if (!e) { badLine = 0; drawGutter(); return; }
  const li = document.createElement('li');
  // Errors in the edited text name it "scenario_yaml" with a line; show the line.
  badLine = e.file === 'scenario_yaml' && e.line ? e.line : 0;
  li.textContent = describe(e);
  list.appendChild(li);
  drawGutter();
}

async function loadScenario(name) {
  const s = await api(`/v1/scenarios/${encodeURIComponent(name)}`);
  yaml.value = s.yaml;
  showScenarioError(null);
}

// Samples and seed left empty take the server's defaults, as the other forms' empty inputs do.
function forecastRequest(samples) {
  const request = { scenario_yaml: yaml.value };
  for (const [key, value] of [['samples', samples], ['seed', $('seed').value]]) {
    if (String(value).trim() !== '') request[key] = String(value).trim();
  }
  return request;
}

$('validate').addEventListener('click', async () => {
  try {
    await api('/v1/forecast', { ...forecastRequest(1), no_sensitivity: true, no_purchase_advice: true });
    showScenarioError(null);
    const li = document.createElement('li');
    li.textContent = 'The scenario is valid.';
    li.style.color = '#1e7b34';
    $('scenario-errors').appendChild(li);
  } catch (e) { showScenarioError(e); }
});

$('run-forecast').addEventListener('click', async () => {
  const progress = $('forecast-progress');
  const started = performance.now();
  progress.hidden = false;
  const tick = setInterval(() => {
    progress.textContent = `sampling… ${((performance.now() - started) / 1000).toFixed(1)} s`;
  }, 100);
  $('run-forecast').disabled = true;
  try {
    const request = forecastRequest($('samples').value);
    // One after the other: the server runs one forecast at a time.
    const f = await api('/v1/forecast', request);
    const html = await api('/v1/forecast/report', request);
    showScenarioError(null);
    const summary = $('forecast-summary');
    summary.replaceChildren();
    const t = document.createElement('table');
    t.id = 'forecast-runs';
    fillTable(t, ['training run', 'target', 'P10', 'P50', 'P90', 'P(target)'],
      f.runs.map((r) => [r.name, r.target, r.finish_p10 || 'beyond', r.finish_p50 || 'beyond',
        r.finish_p90 || 'beyond', `${Math.round(100 * r.p_meet_target)} %`]));
    summary.appendChild(t);
    const frame = $('forecast-report');
    frame.srcdoc = html;
    frame.hidden = false;
  } catch (e) {
    showScenarioError(e);
  } finally {
    clearInterval(tick);
    progress.hidden = true;
    $('run-forecast').disabled = false;
  }
});

async function loadScenarios() {
  const { scenarios } = await api('/v1/scenarios');
  const sel = $('scenario-name');
  for (const s of scenarios) sel.add(new Option(s.name, s.name));
  sel.addEventListener('change', () => loadScenario(sel.value));
  await loadScenario(scenarios[0].name);
}

// --- compare chips ------------------------------------------------------------------------
$('compare-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('compare-error').textContent = '';
  try {
    const rows = (await api("/v1/infer", { ...formRequest(ev.target), compare: true })).chips;
    fillTable($('compare-table'),
      ['chip', 'out tok/s/chip', 'TPOT ms', 'TTFT ms', '$/M out', 'chips for demand', 'note'],
      rows.map((r) => [r.chip, fmt(r.output_tokens_per_s_per_chip), fmt(r.tpot_ms, 1), fmt(r.ttft_ms),
        fmt(r.cost_usd_per_million_output_tokens, 3), fmt(r.chips_for_demand), r.error || r.bound || '']));
    await embed('#compare-chart', {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'Output tokens/s per chip',
      width: 500,
      data: { values: rows.filter((r) => !r.error).map((r) => ({ chip: r.chip, tps: r.output_tokens_per_s_per_chip })) },
      mark: 'bar',
      encoding: { y: { field: 'chip', type: 'nominal', sort: '-x' }, x: { field: 'tps', type: 'quantitative', title: 'tokens/s' } },
    }, { actions: false, renderer: 'canvas' });
  } catch (e) { $('compare-error').textContent = describe(e); }
});

// --- training -----------------------------------------------------------------------------
const banded = (model, band, digits) => (band
  ? `${fmt(band.p50, digits)} P50 (P10-P90 ${fmt(band.p10, digits)}-${fmt(band.p90, digits)}; the model's ${fmt(model, digits)})`
  : fmt(model, digits));

$('train-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('train-error').textContent = '';
  try {
    const t = await api('/v1/train', formRequest(ev.target));
    const p = t.parallel;
    fillTable($('train-result'), ['quantity', 'value'], [
      ['layout', `tp ${p.tp} pp ${p.pp} dp ${p.dp} ep ${p.ep} cp ${p.cp}`],
      ['step time s', fmt(t.step_time_s, 3)],
      ['tokens/s', fmt(t.tokens_per_s)],
      ['MFU %', fmt(100 * t.mfu, 1)],
      ['memory GiB per chip', fmt(t.memory_gib_per_chip, 1)],
      // The headline the CLI prints: the P50 after the model's measured error, its P10-P90,
      // then the model's own figure.
      ['time to train, days', banded(t.train_days, t.train_days_band, 1)],
      ['accelerator-hours', banded(t.accelerator_hours, t.accelerator_hours_band, 0)],
    ]);
  } catch (e) { $('train-error').textContent = describe(e); }
});

window.suanliReady = Promise.all([loadCatalog(), loadScenarios()]).catch((e) => {
  document.body.insertAdjacentHTML('afterbegin', `<p class="errors">${describe(e)}</p>`);
});
