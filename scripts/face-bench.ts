/**
 * Face figures for `npm run bench`: the server's model load (Human's Node build over tfjs wasm, in a fresh
 * process's first load) and verification latency through the HTTP route; with Chromium, the browser's
 * face chunk and model load from the backend.
 */
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from '../chromium.mjs';
import { freePort, launchBrowser, serveCdnPage } from '../e2e/support.js';
import { FACE_FIXTURES, faceFixture } from '../server-mock/src/factors/test-support/faces.js';
import { FaceModels } from '../server-mock/src/factors/face/model.js';
import { APP, FACTOR_KEYS, startTestBackend } from '../server-mock/src/test-support/backend.js';
import { percentile } from './percentile.js';

export interface FaceFigures {
  serverLoadMs: number;
  verify: { samples: number; frames: number; p50: number; p95: number };
  browser: { chunkMs: number; modelsMs: number } | null;
}

export async function faceFigures(samples: number): Promise<FaceFigures> {
  const models = new FaceModels();
  await models.load();
  const serverLoadMs = models.loadMs!;

  const pagePort = await freePort();
  const backend = await startTestBackend({
    logLevel: 'warn',
    config: { apps: [{ ...APP, origins: [`http://127.0.0.1:${pagePort}`] }], factors: { ...FACTOR_KEYS, face: { preload: true } } },
  });
  try {
    const trigger = async () =>
      (await backend.post<{ stateToken: string }>('/v1/stepup', { originalIdentity: 'fay', factors: ['face'] }, { authorization: backend.basicAuth() })).body
        .stateToken;
    const enrolled = await backend.post('/v1/stepup/face/enroll', {
      stateToken: await trigger(),
      frames: [faceFixture(FACE_FIXTURES.enrol).toString('base64')],
    });
    if (enrolled.status !== 200) throw new Error(`face enrolment failed: ${JSON.stringify(enrolled.body)}`);
    // What the browser sends: three frames (here three photos of the enrolled man).
    const frames = FACE_FIXTURES.samePerson.map((name) => faceFixture(name).toString('base64'));
    const times: number[] = [];
    for (let n = 0; n < samples; n++) {
      const stateToken = await trigger();
      const started = performance.now();
      const verified = await backend.post('/v1/stepup/face/verify', { stateToken, frames });
      times.push(performance.now() - started);
      if (verified.status !== 200) throw new Error(`face verification failed: ${JSON.stringify(verified.body)}`);
    }
    times.sort((a, b) => a - b);
    const verify = { samples, frames: frames.length, p50: percentile(times, 50), p95: percentile(times, 95) };
    return { serverLoadMs, verify, browser: existsSync(CHROMIUM_PATH) ? await browserLoad(pagePort, backend.url) : null };
  } finally {
    await backend.close();
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
