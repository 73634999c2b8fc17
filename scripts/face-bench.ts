/**
 * Face figures for `npm run bench`: the server's model load (Human's Node build over tfjs wasm, in a fresh
 * process's first load) and verification latency through the HTTP route; with Chromium, the browser's
 * face chunk and model load from the backend.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_PATH } from '../chromium.mjs';
import { freePort, launchBrowser, serveCdnPage } from '../e2e/support.js';
import { startBackend } from '../server-mock/src/backend.js';
import { FACE_FIXTURES, faceFixture } from '../server-mock/src/factors/test-support/faces.js';
import { FaceModels } from '../server-mock/src/factors/face/model.js';

const APP = { id: 'face-bench', secret: 'face-bench-secret-0123456789-abcdefgh' };
const AUTH = `Basic ${Buffer.from(`${APP.id}:${APP.secret}`).toString('base64')}`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function post(url: string, body: unknown, authorization?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
}

export interface FaceFigures {
  serverLoadMs: number;
  verify: { samples: number; frames: number; p50: number; p95: number };
  browser: { chunkMs: number; modelsMs: number } | null;
}

export async function faceFigures(samples: number): Promise<FaceFigures> {
  const models = new FaceModels();
  await models.load();
  const serverLoadMs = models.loadMs!;

  const dataDir = mkdtempSync(join(tmpdir(), 'camfa-face-bench-'));
  const pagePort = await freePort();
  const backend = await startBackend({
    port: 0,
    hostname: '127.0.0.1',
    dataDir,
    databaseUrl: '',
    redisUrl: '',
    logLevel: 'warn',
    config: {
      apps: [{ ...APP, origins: [`http://127.0.0.1:${pagePort}`] }],
      factors: { keys: Buffer.alloc(32, 3).toString('base64'), pepper: Buffer.alloc(32, 4).toString('base64'), face: { preload: true } },
    },
  });
  try {
    const trigger = async () =>
      ((await (await post(`${backend.url}/v1/stepup`, { originalIdentity: 'fay', factors: ['face'] }, AUTH)).json()) as { stateToken: string }).stateToken;
    const enrolled = await post(`${backend.url}/v1/stepup/face/enroll`, {
      stateToken: await trigger(),
      frames: [faceFixture(FACE_FIXTURES.enrol).toString('base64')],
    });
    if (!enrolled.ok) throw new Error(`face enrolment failed: ${await enrolled.text()}`);
    // What the browser sends: three frames (here three photos of the enrolled man).
    const frames = FACE_FIXTURES.samePerson.map((name) => faceFixture(name).toString('base64'));
    const times: number[] = [];
    for (let n = 0; n < samples; n++) {
      const stateToken = await trigger();
      const started = performance.now();
      const verified = await post(`${backend.url}/v1/stepup/face/verify`, { stateToken, frames });
      times.push(performance.now() - started);
      if (!verified.ok) throw new Error(`face verification failed: ${await verified.text()}`);
    }
    times.sort((a, b) => a - b);
    const verify = { samples, frames: frames.length, p50: percentile(times, 50), p95: percentile(times, 95) };
    return { serverLoadMs, verify, browser: existsSync(CHROMIUM_PATH) ? await browserLoad(pagePort, backend.url) : null };
  } finally {
    await backend.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** In Chromium: the face chunk's import, then Human's load of the models and wasm from the backend. */
async function browserLoad(port: number, backendUrl: string): Promise<{ chunkMs: number; modelsMs: number }> {
  const site = await serveCdnPage(port);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(site.url);
    const [chunkMs, modelsMs] = (await page.evaluate(`(async () => {
      const started = performance.now();
      const chunk = await import('/chunks/face.js');
      const imported = performance.now();
      await chunk.humanAnalyser(${JSON.stringify(`${backendUrl}/v1/face/`)});
      return [imported - started, performance.now() - imported];
    })()`)) as [number, number];
    return { chunkMs, modelsMs };
  } finally {
    await browser.close();
    await site.close();
  }
}
