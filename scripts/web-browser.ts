/// <reference lib="dom" />
/** Driving the editor page in Debian's Chromium (playwright-core, no browser download): test/e2e/web.test.ts and `npm run app:measure`. */
import * as fs from 'fs';
import * as http from 'http';
import { chromium, Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.FACEGAN_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p)) ?? '';

/** Why the browser tests cannot run here, or false. */
export const noChromium = (): string | false => (CHROMIUM ? false : 'no Chromium (apt-get install chromium, or set FACEGAN_CHROMIUM); .ci/run installs it');

/** Chromium, headless; `extraArgs` e.g. to take WebGL and WebAssembly away. */
export async function launch(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // No background traffic (this machine's network is closed), WebGL through SwiftShader (no GPU here).
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', ...extraArgs],
  });
}

export function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/`)));
}

interface PageState { ready: boolean; backend: string | null; loadMs: number | null; faces: number | null; lastEditMs: number | null; firstEditMs: number | null; error: string | null; edits: number; from: string[]; openMs: { decode: number; detect: number; draw: number } | null }
export const pageState = (page: Page): Promise<PageState> => page.evaluate(() => (window as unknown as { facegan: PageState }).facegan);

export async function waitReady(page: Page): Promise<PageState> {
  await page.waitForFunction(() => { const s = (window as unknown as { facegan?: PageState }).facegan; return !!s && (s.ready || !!s.error); }, null, { timeout: 180_000 });
  return pageState(page);
}

/** Chooses `file`, waits until its faces are found (or an error shows). */
export async function choose(page: Page, file: string): Promise<PageState & { chooseMs: number }> {
  const t = Date.now();
  await page.evaluate(() => { const s = (window as unknown as { facegan: PageState }).facegan; s.faces = null; s.error = null; });
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => { const s = (window as unknown as { facegan: PageState }).facegan; return s.faces !== null || !!s.error; }, null, { timeout: 120_000 });
  return { ...(await pageState(page)), chooseMs: Date.now() - t };
}

/** Presses an expression button and waits for the edit. */
export async function press(page: Page, label: string): Promise<PageState> {
  const before = (await pageState(page)).edits;
  // a click through the DOM: the edit keeps the page busy, and playwright's click would wait for it
  await page.$eval(`#targets button:text-is("${label}")`, (b) => (b as HTMLButtonElement).click());
  await page.waitForFunction((n) => { const s = (window as unknown as { facegan: PageState }).facegan; return s.edits > n || !!s.error; }, before, { timeout: 300_000 });
  return pageState(page);
}
