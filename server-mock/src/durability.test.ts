/**
 * Acceptance 6: an event acknowledged with a 2xx survives `kill -9` of the server process.
 * The real CLI runs in a child process; the test kills it while requests are still in flight.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP, testConfig } from './test-support/backend.js';

const dataDir = mkdtempSync(join(tmpdir(), 'camfa-kill9-'));
const configFile = join(dataDir, 'config.json');
writeFileSync(configFile, JSON.stringify({ ...testConfig(), geo: { provider: 'none' } }));
const auth = `Basic ${Buffer.from(`${APP.id}:${APP.secret}`).toString('base64')}`;

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts `camfa-guard serve` and resolves with its URL once it logs that it listens. */
function serve(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server-mock/cli.ts', 'serve', '--config', configFile, '--data', dataDir, '--port', '0'], {
    // The test decides the store: never the CI's DATABASE_URL / REDIS_URL.
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        resolve({ child, url: match[1]!.replace('localhost', '127.0.0.1') });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

describe('durability', () => {
  it('keeps every acknowledged event across kill -9', async () => {
    const first = await serve();
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (worker: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const response = await fetch(`${first.url}/v1/ueba/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: auth },
            body: JSON.stringify({ originalIdentity: 'durable-user', behaviorType: 'login', custom: { worker, i } }),
          });
          if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, worker) => writer(worker));
    while (acknowledged.length < 300) await new Promise((resolve) => setTimeout(resolve, 10));
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    stop = true;
    await Promise.all(writers);

    const second = await serve();
    try {
      const stored = new Set<string>();
      // Newest first, 500 a page is the API's maximum; the test wrote a few hundred.
      const response = await fetch(`${second.url}/v1/ueba/events?originalIdentity=durable-user&limit=500`, { headers: { authorization: auth } });
      for (const event of ((await response.json()) as { events: { id: string }[] }).events) stored.add(event.id);
      expect(acknowledged.length).toBeGreaterThanOrEqual(300);
      expect(acknowledged.length).toBeLessThan(500);
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 60_000);
});
