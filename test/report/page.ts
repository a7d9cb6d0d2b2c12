// What the report tests check of a report page: its inline data, that it fetches nothing, and
// that headless Chromium renders it (charts drawn, every map point plotted, a preview on hover).
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { artifactPath, collectConsoleErrors, launchChromium } from '../helpers/browser.js';

export interface PageData {
  metrics: { epoch: number }[];
  classes: string[];
  items: string;
  map: {
    split: string;
    points: { x: number; y: number; label: number | null; index: number; thumb: string | null; series?: { length: number; q: string } }[];
    figure: { style: string; steps: number; channels: number; shown: number; min: number; max: number } | null;
  } | null;
}

/** The JSON the page draws from (the `report-data` script element). */
export function pageData(html: string): PageData {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'report-data script element');
  return JSON.parse(m[1]!) as PageData;
}

/** Every way a page could fetch a script, style, font or image from the network. */
export function assertSelfContained(html: string): void {
  assert.doesNotMatch(html, /<script[^>]*\ssrc\s*=/i, 'no external <script src>');
  assert.doesNotMatch(html, /<link[^>]*\shref\s*=\s*["']?(https?:)?\/\//i, 'no <link href> to the web');
  assert.doesNotMatch(html, /url\(\s*["']?(https?:)?\/\//i, 'no CSS url() to the web');
  assert.doesNotMatch(html, /@import/i, 'no CSS @import');
  assert.doesNotMatch(html, /<img[^>]*\ssrc\s*=\s*["']?(https?:)?\/\//i, 'no <img> from the web');
  assert.doesNotMatch(html, /<image[^>]*\shref\s*=\s*["']?(https?:)?\/\//i, 'no SVG <image> from the web');
  assert.doesNotMatch(html, /fonts\.googleapis|cdn\.jsdelivr|unpkg\.com|cdnjs/i, 'no CDN');
}

/**
 * Opens the report `file` in headless Chromium and checks it: the four training charts and the
 * map are drawn canvases, the map plots `points` points, hovering the first one shows
 * `hoverSelector` (its image or series) in the tooltip; no console or page error, nothing
 * fetched. Screenshots `<artifact>-hover.png` and `<artifact>.png` (the whole page) into
 * test-artifacts/. Returns what `inPage` computes once the page is ready (e.g. counts of drawn
 * elements).
 */
export async function checkInChromium<T>(file: string, o: { points: number; hoverSelector: string; artifact: string; inPage?: () => T }): Promise<T | undefined> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = collectConsoleErrors(page);
    const fetched: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      fetched.push(url);
      return route.abort();
    });
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => (window as unknown as { __reportReady?: boolean }).__reportReady === true, undefined, { timeout: 20_000 });
    for (const id of ['chart-loss', 'chart-lr', 'chart-knn', 'chart-throughput', 'chart-map']) {
      const canvas = page.locator(`#${id} canvas`).first();
      const box = await canvas.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 100, `#${id} has a drawn canvas (${JSON.stringify(box)})`);
    }
    const drawn = await page.evaluate(() => {
      const ec = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: { data: unknown[] }[] } } } }).echarts;
      return ec.getInstanceByDom(document.getElementById('chart-map')!).getOption().series.reduce((n, s) => n + s.data.length, 0);
    });
    assert.equal(drawn, o.points, 'every map point is in the scatter');
    const inPage = o.inPage ? await page.evaluate(o.inPage) : undefined;
    // Hovering a point shows its preview.
    await page.locator('#chart-map').scrollIntoViewIfNeeded();
    const pixel = await page.evaluate(() => {
      const ec = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: { data: number[][] }[] }; convertToPixel(f: object, v: number[]): number[] } } }).echarts;
      const chart = ec.getInstanceByDom(document.getElementById('chart-map')!);
      const p = chart.getOption().series[0]!.data[0]!;
      return chart.convertToPixel({ seriesIndex: 0 }, [p[0]!, p[1]!]);
    });
    const box = (await page.locator('#chart-map').boundingBox())!;
    await page.mouse.move(box.x + pixel[0]!, box.y + pixel[1]!);
    await page.waitForFunction((sel) => [...document.querySelectorAll('#chart-map div')].some((d) => d.querySelector(sel)), o.hoverSelector, { timeout: 5_000 });
    await page.screenshot({ path: artifactPath(`${o.artifact}-hover.png`) });
    await page.screenshot({ path: artifactPath(`${o.artifact}.png`), fullPage: true });
    assert.deepEqual(errors, [], 'no console or page errors');
    assert.deepEqual(fetched, [], 'nothing fetched from the network');
    assert.ok(statSync(artifactPath(`${o.artifact}.png`)).size > 10_000, 'screenshot saved');
    return inPage;
  } finally {
    await browser.close();
  }
}
