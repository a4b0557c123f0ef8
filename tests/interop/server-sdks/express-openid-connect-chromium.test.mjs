// The express-openid-connect quickstart in a real browser (headless Chromium via playwright-core):
// the form_post page of /authorize must submit itself under its own Content-Security-Policy, and the
// SDK's cookies must survive the cross-site POST back to the app.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startGatehouse } from '../lib/gatehouse.mjs';
import { auth, requiresAuth, appAddress, startApp, createWebApp } from './helpers.mjs';

const CHROMIUM = '/usr/bin/chromium';
const STEP_TIMEOUT = 15_000;
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} missing (scripts/install-deps.sh test)`;

let gh;
let app;
let browser;
before(async () => {
  if (skip) return;
  gh = await startGatehouse();
  // localhost: a secure context for Chromium, so the SDK's SameSite=None; Secure transaction
  // cookie is kept over http (on an http issuer).
  const { port } = await appAddress();
  const url = `http://localhost:${port}`;
  const web = await createWebApp(gh, url);
  app = await startApp(port, (express) => {
    express.use(auth({ issuerBaseURL: gh.issuer, baseURL: url, clientID: web.client_id, secret: 'a long, randomly-generated string stored in env' }));
    express.get('/profile', requiresAuth(), (req, res) => res.json(req.oidc.user));
  });
  app.url = url;
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: STEP_TIMEOUT,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close().catch(() => {});
  await app?.close();
  await gh?.stop();
});

test('quickstart login in Chromium: the form_post page submits itself under its CSP', { skip }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused/.test(m.text())) violations.push(m.text()); });
  await page.goto(`${app.url}/profile`);
  await page.waitForURL((u) => u.href.startsWith(`${gh.origin}/u/login`));
  await page.fill('input[name="username"]', gh.demoUser);
  await page.fill('input[name="password"]', gh.demoPassword);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${app.url}/profile`);
  const user = JSON.parse(await page.locator('body').innerText());
  assert.equal(user.email, gh.demoUser);
  assert.deepEqual(violations, []);
  await context.close();
});
