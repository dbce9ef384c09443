/** The app pages as the browser tests and the call-start bench drive them. */
import type { Browser, Page } from 'playwright-core';
import { KIOSK, newPage } from './browser';
import { TEST_PASSWORD, type TestServer } from './server';

/** Waits for the booth's or console's call state (idle, waiting, in-call, ended). */
export async function callState(page: Page, s: string): Promise<void> {
  await page.locator(`[data-testid="call-state"][data-state="${s}"]`).waitFor({ timeout: 20_000 });
}

/** Logs a staff account (password TEST_PASSWORD) into the console; it starts offline. */
export async function openConsole(browser: Browser, srv: TestServer, username: string): Promise<Page> {
  const page = await newPage(browser, `${srv.url}/agent/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.locator('[data-testid="agent-state"][data-state="offline"]').waitFor();
  return page;
}

/** Presses 示闲 and waits until the console shows available. */
export async function goAvailable(page: Page): Promise<void> {
  await page.getByTestId('state-available').click();
  await page.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
}

/** Provisions a booth and opens its kiosk page through the enrollment link. */
export async function openBooth(browser: Browser, srv: TestServer, boothId: string, name?: string): Promise<Page> {
  const { secret } = await srv.booth(boothId, name);
  return newPage(browser, `${srv.url}/booth/#enroll=${boothId}.${secret}`, KIOSK);
}

/** Logs a supervisor account into the console (the supervisor area, 监控大屏 first). */
export async function openSupervisor(browser: Browser, srv: TestServer, username: string, viewport = { width: 1600, height: 1000 }): Promise<Page> {
  const page = await newPage(browser, `${srv.url}/agent/`, viewport);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('supervisor-app').waitFor();
  return page;
}
