// Opens an HTML report in headless Chromium (Debian's, through
// playwright-core) and checks that every chart rendered: each canvas has
// non-background pixels, its screenshot is not blank, the console shows no
// errors and nothing is fetched. Usage:
//   node report_test.mjs REPORT.html SCREENSHOT.png chart-id,chart-id,...
import { chromium } from 'playwright-core';

const [report, screenshot, chartList] = process.argv.slice(2);
const charts = chartList.split(',');
let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) { passed++; } else { failed++; console.log(`FAIL: ${what}`); }
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 2400 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const requests = [];
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.goto('file://' + report);
  await page.evaluate(() => window.suanliRendered.then(() => true));
  for (const id of charts) {
    // Count pixels that differ from the canvas background (white/transparent).
    const inked = await page.evaluate((chartId) => {
      const canvas = document.querySelector(`#${chartId} canvas`);
      if (!canvas) return -1;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a > 0 && (r < 240 || g < 240 || b < 240)) n++;
      }
      return n;
    }, id);
    check(inked > 2000, `chart ${id} has ink (${inked} non-background pixels)`);
    // The screenshot of the chart area is not blank either: a blank area
    // compresses to a few hundred bytes of PNG, a chart to many kilobytes.
    const box = await page.locator(`#${id}`).boundingBox();
    const png = box ? await page.screenshot({ clip: box }) : Buffer.alloc(0);
    const blank = await page.screenshot({ clip: { x: 0, y: 0, width: box ? box.width : 10, height: 5 } });
    check(png.length > 8 * blank.length && png.length > 4000,
          `screenshot of chart ${id} is not blank (${png.length} bytes of PNG)`);
  }
  check(errors.length === 0, `no console errors (${errors.join(' | ')})`);
  check(requests.length === 0, `no network requests (${requests.join(' ')})`);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
