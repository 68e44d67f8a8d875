// The /ui page in a real headless Chromium (Debian's, driven by playwright-core) against a real
// `run` (dist/main.js, standalone, acks off, a bearer token, HTTP on an ephemeral loopback port):
// it loads, shows a diagnostic the test introduces, updates when a file changes, confirms a
// guarded plan only with the token, and logs no console error. UPDATE_SCREENSHOT=1 rewrites
// docs/ui.png (the README's picture).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, REPO } from '../helpers/spawn-cli.js';

const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
const TOKEN = 's3cret-token';

const EDGE = `routes:
  - prefixes: [10.1.0.0/24, 10.1.1.0/24, 10.1.2.0/24]
    next-hop: 192.0.2.1
    community: [65000:100]
  - prefix: 2001:db8:1::/48
    next-hop: 2001:db8::1
`;
const RTBH = `routes:
  - prefixes: [192.0.2.66/32, 192.0.2.67/32]
    next-hop: 192.0.2.1
    community: [65535:666]
`;

let root: string;
let routes: string;
let child: ChildProcessWithoutNullStreams;
let context: BrowserContext;
let page: Page;
let url: string;
const consoleProblems: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ui-browser-'));
  routes = join(root, 'routes.d');
  mkdirSync(routes);
  writeFileSync(join(routes, 'edge.yaml'), EDGE);
  writeFileSync(join(routes, 'rtbh.yaml'), RTBH);
  writeFileSync(join(root, 'token'), `${TOKEN}\n`);
  child = spawn(
    process.execPath,
    [
      MAIN,
      'run',
      '--routes',
      'routes.d',
      '--ack',
      'off',
      '--listen',
      '127.0.0.1:0',
      '--token-file',
      'token',
      '--debounce-ms',
      '50',
    ],
    { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdout.resume();
  const port = await new Promise<number>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`run did not listen: ${err}`)), 10_000);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      const m = /"port":(\d+),"msg":"http api listening"/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  url = `http://127.0.0.1:${port}`;
  context = await chromium.launchPersistentContext(mkdtempSync(join(root, 'chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 1250 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      consoleProblems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleProblems.push(`pageerror: ${e.message}`));
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (child !== undefined) {
    const closed = new Promise((resolve) => child.on('close', resolve));
    child.stdin.end();
    await closed;
  }
  rmSync(root, { recursive: true, force: true });
});

const text = (id: string): Promise<string> => page.locator(`#${id}`).innerText();

describe('/ui in headless Chromium', () => {
  it('loads and shows the converged state, the ExaBGP dialect and the routes per family', async () => {
    const res = await page.goto(`${url}/ui`);
    expect(res?.status()).toBe(200);
    await expect.poll(() => text('verdict'), { timeout: 10_000 }).toBe('converged');
    expect(await text('facts')).toContain('4.2 dialect');
    await expect.poll(() => text('families')).toMatch(/ipv4 unicast\s+5\s+5/);
    expect(await text('families')).toMatch(/ipv6 unicast\s+1\s+1/);
    expect((await page.locator('#plan').innerText()).trim()).toBe('No changes.');
  });

  it('shows a diagnostic the test introduces, with file:line:col, and clears it when fixed', async () => {
    writeFileSync(
      join(routes, 'broken.yaml'),
      'routes:\n  - prefix: 10.9.0.0/33\n    next-hop: 192.0.2.1\n',
    );
    await expect
      .poll(() => text('diagnostics'), { timeout: 10_000 })
      .toMatch(/broken\.yaml:2:\d+: error E_PREFIX: routes\[0\]\.prefix: /);
    expect(await text('verdict')).toBe('not converged');
    expect(await text('reasons')).toContain('keeping the last good desired state');
    unlinkSync(join(routes, 'broken.yaml'));
    await expect.poll(() => text('verdict'), { timeout: 10_000 }).toBe('converged');
    expect(await text('diagnostics')).toBe('none');
  });

  it('updates without a reload when a file changes', async () => {
    const before = await text('reconciles');
    writeFileSync(
      join(routes, 'rtbh.yaml'),
      RTBH.replace('192.0.2.67/32]', '192.0.2.67/32, 192.0.2.68/32]'),
    );
    await expect.poll(() => text('families'), { timeout: 10_000 }).toMatch(/ipv4 unicast\s+6\s+6/);
    expect(await text('reconciles')).not.toBe(before);
    expect(await text('reconciles')).toMatch(/applied\s+\+1 ~0 -0\s+1\/1/);
  });

  it('holds a mass withdraw and confirms it from the page only with the token', async () => {
    copyFileSync(join(routes, 'edge.yaml'), join(root, 'edge.yaml.bak'));
    unlinkSync(join(routes, 'edge.yaml'));
    unlinkSync(join(routes, 'rtbh.yaml'));
    await expect
      .poll(() => page.locator('#guard-section').isVisible(), { timeout: 10_000 })
      .toBe(true);
    expect(await text('guard-hash')).toMatch(/^[0-9a-f]{64}$/);
    expect(await text('plan')).toContain('!!! mass-withdraw guard tripped');
    expect(await text('plan')).toContain('- withdraw 10.1.0.0/24 (ipv4 unicast, all neighbors)');
    expect(await page.locator('#token-label').isVisible()).toBe(true);
    if (process.env['UPDATE_SCREENSHOT'] === '1') {
      writeFileSync(
        join(routes, 'typo.yaml'),
        'routes:\n  - prefix: 10.9.0.0/24\n    next-hop: 2001:db8::1\n    med: -1\n',
      );
      await expect.poll(() => text('diagnostics'), { timeout: 10_000 }).toContain('typo.yaml');
      await page.screenshot({ path: join(REPO, 'docs', 'ui.png'), fullPage: true });
      unlinkSync(join(routes, 'typo.yaml'));
      await expect.poll(() => text('diagnostics'), { timeout: 10_000 }).toBe('none');
    }
    const before = consoleProblems.length;
    await page.locator('#token').fill('wrong');
    await page.locator('#confirm').click();
    await expect.poll(() => text('confirm-result'), { timeout: 5000 }).toContain('E_UNAUTHORIZED');
    // Chromium reports the refused request itself; that one (and only that one) is expected.
    expect(consoleProblems.splice(before)).toEqual([
      'error: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
    expect(await page.locator('#guard-section').isVisible()).toBe(true);
    await page.locator('#token').fill(TOKEN);
    await page.locator('#confirm').click();
    await expect.poll(() => text('confirm-result'), { timeout: 5000 }).toContain('confirmed');
    await expect.poll(() => text('verdict'), { timeout: 10_000 }).toBe('converged');
    expect(await page.locator('#guard-section').isVisible()).toBe(false);
    expect(await text('families')).toMatch(/total\s+0\s+0/);
  });

  it('logged no console error or warning, and the page is served with a strict CSP', async () => {
    const res = await page.request.get(`${url}/ui`);
    expect(res.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(existsSync(CHROMIUM)).toBe(true);
    expect(consoleProblems).toEqual([]);
  });
});
