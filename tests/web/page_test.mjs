// The planner's page served by `suanli serve`, in headless Chromium (Debian's, through
// playwright-core): fill each form, run, and check the page shows what the API answers for the
// same request; the scenario editor shows a YAML error with its line; the forecast charts render;
// no console errors; nothing is fetched from anywhere but the server; the screenshot is not blank.
// Usage: node page_test.mjs BASE_URL SCREENSHOT.png
import { chromium } from 'playwright-core';

const [base, screenshot] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) { passed++; console.log(`ok    ${what}`); } else { failed++; console.log(`FAIL  ${what}`); }
};
const post = async (path, body) => (await fetch(base + path, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
})).json();
const fmt = (v, d = 0) => Number(v).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const foreign = [];
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(base) && !u.startsWith('about:') && !u.startsWith('data:')) foreign.push(u);
  });
  await page.goto(base + '/');
  await page.evaluate(() => window.suanliReady);

  // Training estimate: the numbers shown are the API's for the same form values.
  await page.click('nav button[data-tab=train]');
  await page.selectOption('#train-form select[name=model]', 'llama-3-70b');
  await page.selectOption('#train-form select[name=chip]', 'h800');
  await page.fill('#train-form input[name=count]', '1024');
  await page.fill('#train-form input[name=tokens]', '15T');
  await page.click('#train-form button');
  await page.waitForSelector('#train-result tr:nth-child(2)');
  const train = await post('/v1/train', { model: 'llama-3-70b', chip: 'h800', count: '1024', tokens: '15T', dtype: 'bf16' });
  const trainText = await page.textContent('#train-result');
  check(trainText.includes(fmt(train.step_time_s, 3)) && trainText.includes(fmt(train.train_days, 1)),
    `training form shows the API's step time ${fmt(train.step_time_s, 3)} s and ${fmt(train.train_days, 1)} days`);
  // The headline is the CLI's: the P50 after the model's error and its P10-P90, then the model's.
  const band = train.train_days_band;
  check(trainText.includes(`${fmt(band.p50, 1)} P50 (P10-P90 ${fmt(band.p10, 1)}-${fmt(band.p90, 1)}; the model's ${fmt(train.train_days, 1)})`),
    `training form shows the days' P50 ${fmt(band.p50, 1)} and band as the CLI does`);
  // A bad value shows the API's error naming the field.
  await page.fill('#train-form input[name=count]', '8abc');
  await page.click('#train-form button');
  await page.waitForFunction(() => document.querySelector('#train-error').textContent.length > 0);
  check((await page.textContent('#train-error')).startsWith('count:'), 'a bad chip count names the field');

  // Compare chips: table rows and a chart.
  await page.click('nav button[data-tab=compare]');
  await page.click('#compare-form button');
  await page.waitForSelector('#compare-table tr:nth-child(4)');
  const cmp = await post('/v1/infer', { model: 'deepseek-r1', chip: 'h20,h800,ascend-910c', dtype: 'int8', tpot_ms: '50',
    input_tokens: '2048', output_tokens: '512', demand_tokens_per_s: '1M', compare: true });
  const cmpText = await page.textContent('#compare-table');
  check(cmp.chips.every((r) => r.error || cmpText.includes(fmt(r.output_tokens_per_s_per_chip))),
    'compare table shows the API\'s tokens/s per chip for every chip');
  await page.waitForSelector('#compare-chart canvas');
  const ink = await page.evaluate(() => {
    const c = document.querySelector('#compare-chart canvas');
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] < 240) n++;
    return n;
  });
  check(ink > 1000, `compare chart has ink (${ink} pixels)`);

  // Forecast: a YAML error is shown with its line, then the built-in scenario runs.
  await page.click('nav button[data-tab=forecast]');
  const original = await page.inputValue('#scenario-yaml');
  check(original.includes('training_runs') || original.length > 500, 'the editor holds the built-in scenario');
  await page.fill('#scenario-yaml', 'name: broken\nperiods: [\n');
  await page.click('#validate');
  await page.waitForSelector('#scenario-errors li');
  const errText = await page.textContent('#scenario-errors');
  const marked = await page.locator('#gutter .bad').count();
  check(/line \d+/.test(errText) && marked === 1, `a YAML error is shown with its line (${errText.trim()})`);
  await page.fill('#scenario-yaml', original);
  // An emptied seed takes the default (it was sent as "" and refused: "seed: empty value").
  await page.fill('#seed', '');
  await page.click('#validate');
  await page.waitForFunction(() => document.querySelector('#scenario-errors').textContent.includes('valid'));
  check((await page.textContent('#scenario-errors')).includes('The scenario is valid.'),
    'an empty seed is left to the default');
  await page.fill('#seed', '1');
  await page.fill('#samples', '200');
  await page.click('#run-forecast');
  await page.waitForSelector('#forecast-progress:not([hidden])', { timeout: 5000 }).catch(() => {});
  await page.waitForSelector('#forecast-runs', { timeout: 400000 });
  const f = await post('/v1/forecast', { scenario_yaml: original, samples: '200', seed: '1' });
  const runsText = await page.textContent('#forecast-runs');
  check(f.runs.every((r) => runsText.includes(r.finish_p50 || 'beyond')),
    `forecast table shows the API's P50 finish (${f.runs.map((r) => r.finish_p50).join(', ')})`);
  const frame = page.frameLocator('#forecast-report');
  await page.waitForFunction(() => {
    const d = document.querySelector('#forecast-report').contentDocument;
    return d && d.querySelectorAll('canvas').length >= 3;
  }, null, { timeout: 120000 });
  check(await frame.locator('canvas').count() >= 3, 'the forecast charts render in the page');

  // The browser logs each 4xx answer; the two bad inputs above were meant to get one each.
  const expected = errors.filter((e) => /status of 400/.test(e));
  const others = errors.filter((e) => !/status of 400/.test(e));
  check(expected.length === 2 && others.length === 0,
    `no console errors but the two expected 400s (${errors.join(' | ')})`);
  check(foreign.length === 0, `nothing fetched beyond the server (${foreign.join(' ')})`);
  const png = await page.screenshot({ path: screenshot, fullPage: true });
  check(png.length > 50000, `the screenshot is not blank (${png.length} bytes)`);
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
