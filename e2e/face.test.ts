/**
 * The face factor in Chromium with a fake camera: the camera "shows" a fixture photo (a .y4m written here),
 * the real `<guard-step-up>` from the CDN build loads the face chunk and its models from the backend, guides,
 * checks liveness, captures frames, and the backend decides. Same man → mfaToken with amr `face`; another
 * person → the translated refusal, with the other factors still offered.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACE_FIXTURES, faceFixture } from '../server-mock/src/factors/test-support/faces.js';
import { AuthenticationClient } from '../server-mock/src/sdk/index.js';
import { APP, FACTOR_KEYS, startTestBackend, type TestBackend } from '../server-mock/src/test-support/backend.js';
import { freePort, launchBrowser, openDialog, screenshots, serveCdnPage } from './support.js';

const WIDTH = 640;
const HEIGHT = 480;
const work = mkdtempSync(join(tmpdir(), 'camfa-face-e2e-'));
let backend: TestBackend;
let auth: AuthenticationClient;
let site: { close(): Promise<void> };
let pageUrl: string;

/**
 * A YUV4MPEG2 file (what `--use-file-for-fake-video-capture` plays, looped) of a fixture photo scaled up
 * into the middle of a grey 640×480 frame: header, then `FRAME` + Y, U, V planes (4:2:0, JPEG range).
 */
function y4m(fixture: string): string {
  const photo = jpeg.decode(faceFixture(fixture), { useTArray: true, formatAsRGBA: true });
  const scale = Math.min((HEIGHT * 0.8) / photo.height, (WIDTH * 0.8) / photo.width);
  const [width, height] = [Math.round(photo.width * scale), Math.round(photo.height * scale)];
  const [left, top] = [Math.round((WIDTH - width) / 2), Math.round((HEIGHT - height) / 2)];
  const rgb = (x: number, y: number): [number, number, number] => {
    const [px, py] = [Math.floor((x - left) / scale), Math.floor((y - top) / scale)];
    if (x < left || y < top || px >= photo.width || py >= photo.height) return [128, 128, 128];
    const index = (py * photo.width + px) * 4;
    return [photo.data[index]!, photo.data[index + 1]!, photo.data[index + 2]!];
  };
  const luma = Buffer.alloc(WIDTH * HEIGHT);
  const [u, v] = [Buffer.alloc((WIDTH / 2) * (HEIGHT / 2)), Buffer.alloc((WIDTH / 2) * (HEIGHT / 2))];
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const [r, g, b] = rgb(x, y);
      luma[y * WIDTH + x] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      if (x % 2 === 0 && y % 2 === 0) {
        const index = (y / 2) * (WIDTH / 2) + x / 2;
        u[index] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
        v[index] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
      }
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, u, v]);
  const file = join(work, `${fixture}.y4m`);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`), frame, frame]));
  return file;
}

beforeAll(async () => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  pageUrl = `${origin}/`;
  site = await serveCdnPage(port);
  backend = await startTestBackend({ config: { apps: [{ ...APP, origins: [origin] }], factors: { ...FACTOR_KEYS, face: { preload: true } } } });
  auth = new AuthenticationClient({ host: backend.url, appId: APP.id, appSecret: APP.secret, timeoutMs: 30_000 });
  // Enrolled through the API from the selected photo; the camera then shows the same photo or someone else.
  const trigger = await auth.mfa.startStepUp({ originalIdentity: 'fay', factors: ['face'] });
  const enrolled = await fetch(`${backend.url}/v1/stepup/face/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stateToken: trigger.stateToken, frames: [faceFixture(FACE_FIXTURES.enrol).toString('base64')] }),
  });
  expect(enrolled.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await site?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A browser whose camera shows `fixture`, on the page, with a face step-up open and the face factor chosen. */
async function faceStepUp(fixture: string): Promise<{ browser: Browser; page: Page; shot: (step: string) => Promise<void> }> {
  const browser = await launchBrowser([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${y4m(fixture)}`,
  ]);
  const page = await browser.newPage();
  // Keeps every camera stream the page opens, to check they are all stopped in the end.
  await page.addInitScript(`{
    const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    window.cameraStreams = [];
    navigator.mediaDevices.getUserMedia = async (constraints) => { const stream = await open(constraints); window.cameraStreams.push(stream); return stream; };
  }`);
  await page.goto(pageUrl);
  const trigger = await auth.mfa.startStepUp({ originalIdentity: 'fay', factors: ['face', 'totp', 'recovery_code'] });
  await page.evaluate(
    `void (window.outcome = new GuardFactory.Guard({ appId: ${JSON.stringify(APP.id)}, host: ${JSON.stringify(backend.url)} })
      .startMfa(${JSON.stringify(trigger)}).then((token) => ({ token }), (error) => ({ error: error.code })))`,
  );
  const shot = screenshots(page, `face-${fixture.replace('.jpg', '')}`);
  await openDialog(page).waitFor({ timeout: 10_000 });
  await page.locator('guard-factor-select button[part="option"]', { hasText: 'Face' }).click();
  return { browser, page, shot };
}

describe('face step-up with a fake camera', () => {
  it('passes with the enrolled man in front of the camera: mfaToken with amr face', async () => {
    const { browser, page, shot } = await faceStepUp(FACE_FIXTURES.samePerson[0]!);
    try {
      await page.waitForFunction('window.outcome', undefined, { timeout: 45_000 });
      await shot('verified');
      const outcome = (await page.evaluate('window.outcome')) as { token?: string; error?: string };
      expect(outcome.error).toBeUndefined();
      const verified = await auth.verify(outcome.token!);
      expect(verified.status && verified.data.amr).toEqual(['face']);
      // The camera is off once the frames are taken.
      expect(await page.evaluate('window.cameraStreams.map((stream) => stream.active)')).toEqual([false]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('refuses another person with the translated message and keeps the other factors offered', async () => {
    const { browser, page, shot } = await faceStepUp(FACE_FIXTURES.otherPeople[0]!);
    try {
      const error = page.locator('guard-step-up [part="error"]');
      await expect.poll(() => error.textContent(), { timeout: 45_000 }).toContain('Your face did not match');
      await shot('refused');
      await page.locator('guard-step-up button', { hasText: 'Use another method' }).click();
      await expect
        .poll(() => page.locator('guard-factor-select button[part="option"]').allTextContents())
        .toEqual([expect.stringContaining('Face'), expect.stringContaining('Authenticator app'), expect.stringContaining('Recovery code')]);
      expect(await page.locator('guard-factor-select button[part="option"]', { hasText: 'Recovery code' }).isEnabled()).toBe(true);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
