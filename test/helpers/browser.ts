// Shared helpers for tests that drive a headless Chromium through playwright-core.
//
// Stable API (other tests import it):
//   CHROMIUM_PATH, chromiumSkipReason(), launchChromium(), collectConsoleErrors(page), artifactPath(name)
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The Chromium binary the browser tests drive: Debian's, unless CHROMIUM_PATH names another. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, offline-friendly headless Chromium (no sandbox, no GPU, no background network). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Why browser tests must be skipped here, or null when Chromium is available.
 * Pass the result to `t.skip(reason)` / `{ skip: reason }`; it is also printed so the skip is visible.
 */
export function chromiumSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  const reason = `Chromium not found at ${CHROMIUM_PATH} (install Debian's chromium or set CHROMIUM_PATH); skipping browser checks`;
  console.log(`# ${reason}`);
  return reason;
}

/**
 * Launches headless Chromium at CHROMIUM_PATH with CHROMIUM_ARGS. Playwright's plain launch uses a fresh
 * temporary profile, removed on close. Close it with `await browser.close()` (e.g. in a `finally`).
 */
export async function launchChromium(options: { timeoutMs?: number } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: options.timeoutMs ?? 30_000,
  });
}

/**
 * Starts recording console errors (`console.error`, failed resource loads reported on the console) and
 * uncaught page errors of `page`. Returns a live array: it fills as the page runs, so check it after
 * the page settled. Call before `page.goto`.
 */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      errors.push(`console.error: ${msg.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.stack ?? err.message}`));
  return errors;
}

/** Repository root (this file compiles to dist/test/helpers/browser.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Absolute path of a test artifact (screenshot, ...) under REPO_ROOT/test-artifacts/ (gitignored); makes the folder. */
export function artifactPath(name: string): string {
  const dir = join(REPO_ROOT, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
