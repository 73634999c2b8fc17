/**
 * The `camfa-guard` command as a user runs it: `serve` with the generated dev config, and the policy tools.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'camfa-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'server-mock/cli.ts', ...args], { env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' } }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const WORKFLOW = `id: login
name: Login risk
modes: [api]
uses:
  - template: unusual-country
    params: { lookback: 10 }
`;

describe('camfa-guard serve', () => {
  it('starts with a generated dev config, prints it, and answers /healthz and /openapi.json', async () => {
    const dataDir = join(dir, 'serve');
    const child = spawn(process.execPath, ['--import', 'tsx', 'server-mock/cli.ts', 'serve', '--data', dataDir, '--port', '0'], {
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /dev backend on (http:\/\/\S+)/.exec(output);
          if (match && output.includes('admin token')) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      const config = readFileSync(join(dataDir, 'camfa.dev.yaml'), 'utf8');
      const secret = /secret: (\S+)/.exec(config)![1]!;
      expect(output).toContain(secret);
      // The secret is printed once for the developer, but never in a log line.
      const logLines = output.split('\n').filter((line) => line.startsWith('{'));
      expect(logLines.length).toBeGreaterThan(0);
      expect(logLines.join('\n')).not.toContain(secret);

      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string };
      expect(openapi.openapi).toBe('3.1.0');
      // The dev config delivers SMS and e-mail codes to an outbox page instead of providers.
      const outbox = await fetch(`${url}/dev/outbox`, { headers: { accept: 'application/json' } });
      expect(await outbox.json()).toEqual({ messages: [] });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses an invalid config and names the field', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'apps:\n  - id: shop\n    secret: short\n');
    const result = await cli(['serve', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('apps.0.secret');
    expect(result.stderr).not.toContain('short\n');
  });
});

describe('camfa-guard policy', () => {
  it('validates documents and names the node and field of an error', async () => {
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad-policy.yaml');
    writeFileSync(good, WORKFLOW);
    writeFileSync(bad, 'id: broken\nname: Broken\nmodes: [api]\nstatistics:\n  - id: s1\n    op: count\n    window: { duration: forever }\nrules: []\n');
    expect((await cli(['policy', 'validate', good])).code).toBe(0);
    const result = await cli(['policy', 'validate', good, bad]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ok +.*good\.yaml/);
    expect(result.stdout).toMatch(/fail .*bad-policy\.yaml .*s1.* window/);
  });

  it('simulates a decision and explains it without storing anything', async () => {
    const workflow = join(dir, 'login.yaml');
    const history = join(dir, 'history.json');
    const event = join(dir, 'event.json');
    writeFileSync(workflow, WORKFLOW);
    // 81.2.69.142 is in the United Kingdom, 202.96.209.5 in China (geoip-lite's bundled database).
    const home = { originalIdentity: 'alice', ip: '81.2.69.142', behaviorType: 'login', behaviorResult: 'success' };
    writeFileSync(history, JSON.stringify([1, 2, 3].map((age) => ({ ...home, ageSeconds: age * 3600 }))));
    writeFileSync(event, JSON.stringify({ ...home, ip: '202.96.209.5' }));
    const abroad = await cli(['policy', 'simulate', workflow, '--event', event, '--history', history]);
    expect(abroad.code).toBe(0);
    expect(abroad.stdout).toMatch(/GB/);
    expect(abroad.stdout).toMatch(/hit|fired|MFA required/i);

    writeFileSync(event, JSON.stringify(home));
    const fromHome = await cli(['policy', 'simulate', workflow, '--event', event, '--history', history]);
    expect(fromHome.code).toBe(0);
    expect(fromHome.stdout).not.toBe(abroad.stdout);
  });
});
