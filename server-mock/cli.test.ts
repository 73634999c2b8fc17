/**
 * The `camfa-guard` command as a user runs it: `serve` with the generated dev config, its refusals to
 * start, and the policy tools.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { APP, FACTOR_KEYS } from './src/test-support/backend.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'camfa-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of the CI minus what decides the outcome here: its stores and any factor keys. */
const { CAMFA_FACTOR_KEYS: _keys, CAMFA_FACTOR_PEPPER: _pepper, ...inherited } = process.env;
const ENV = { ...inherited, DATABASE_URL: '', REDIS_URL: '' };

const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'server-mock/cli.ts', ...args], { env: { ...ENV, ...env } }).then(
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
      // The dev config is a single throw-away instance: shared stores in the environment are not used (nothing listens here).
      env: { ...ENV, DATABASE_URL: 'postgres://127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' },
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
      expect(logLines.join('\n')).toContain('"ignored":["DATABASE_URL","REDIS_URL"]');

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
});

/** A port nothing listens on: connecting is refused at once. */
async function closedPort(): Promise<number> {
  const server = await listening(createServer());
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function listening(server: Server): Promise<Server> {
  await new Promise<void>((done) => server.listen(0, done));
  return server;
}

// Each case starts a process (several at once on a busy machine), and two wait out the 5 s connect timeout.
describe('camfa-guard serve refusing to start', { timeout: 60_000 }, () => {
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const config = (fields: Record<string, unknown> = {}) =>
    write(
      `config-${Math.random().toString(36).slice(2)}.yaml`,
      JSON.stringify({ publicUrl: 'https://mfa.example.test', factors: FACTOR_KEYS, apps: [APP], ...fields }),
    );
  const serve = (file: string, env: Record<string, string> = {}, extra: string[] = []) =>
    cli(['serve', '--config', file, '--data', join(dir, 'refusals'), '--port', '0', ...extra], env);
  // Accepts TCP connections and never answers: a database or Redis behind a hung proxy or a wrong port.
  const silent: Server[] = [];
  afterAll(() => silent.forEach((server) => server.close()));
  const silentPort = async () => {
    const server = await listening(createServer(() => {}));
    silent.push(server);
    return (server.address() as { port: number }).port;
  };

  const cases: [string, () => Promise<Awaited<ReturnType<typeof cli>>>, RegExp][] = [
    ['a missing file', () => serve(join(dir, 'absent.yaml')), /absent\.yaml: cannot read: ENOENT/],
    ['invalid YAML', () => serve(write('broken.yaml', 'apps: [\n')), /broken\.yaml: not valid YAML/],
    ['an invalid field', () => serve(config({ apps: [{ ...APP, secret: 'short' }] })), /apps\.0\.secret: must be at least 32 characters/],
    ['an invalid environment variable', () => serve(config(), { CAMFA_REDIS_PREFIX: 'a b' }), /environment: CAMFA_REDIS_PREFIX: letters, digits/],
    [
      'an invalid PORT',
      () => cli(['serve', '--config', config(), '--data', join(dir, 'refusals')], { PORT: 'eighty' }),
      /environment: PORT: must be a port number \(0-65535\), not "eighty"/,
    ],
    [
      'missing factor keys',
      () => serve(config({ factors: {} })),
      /factor keys are not configured: set factors\.keys and factors\.pepper in the config, or CAMFA_FACTOR_KEYS and CAMFA_FACTOR_PEPPER/,
    ],
    [
      'a shared store without a publicUrl',
      async () => serve(config({ publicUrl: undefined, databaseUrl: `postgres://127.0.0.1:${await closedPort()}/camfa` })),
      /publicUrl: required with PostgreSQL or Redis/,
    ],
    [
      'an unreachable database',
      async () => serve(config({ databaseUrl: `postgres://camfa:hunter2@127.0.0.1:${await closedPort()}/camfa` })),
      /PostgreSQL at postgres:\/\/127\.0\.0\.1:\d+\/camfa \(databaseUrl or DATABASE_URL\): cannot connect: connect ECONNREFUSED/,
    ],
    [
      'a database that never answers',
      async () => serve(config({ databaseUrl: `postgres://127.0.0.1:${await silentPort()}/camfa` })),
      /PostgreSQL at .*: cannot connect: no answer within 5 s/,
    ],
    [
      'an unreachable Redis',
      async () => serve(config(), { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` }),
      /Redis at redis:\/\/127\.0\.0\.1:\d+ \(redisUrl or REDIS_URL\): cannot connect: connect ECONNREFUSED/,
    ],
    [
      'a Redis that never answers',
      async () => serve(config({ redisUrl: `redis://127.0.0.1:${await silentPort()}` })),
      /Redis at .*: cannot connect: no answer within 5 s/,
    ],
    [
      'a port in use',
      async () => {
        const busy = await listening(createServer());
        try {
          return await cli(['serve', '--config', config(), '--data', join(dir, 'refusals'), '--port', String((busy.address() as { port: number }).port)], {});
        } finally {
          busy.close();
        }
      },
      /port \d+ on 0\.0\.0\.0 is in use: choose another with --port/,
    ],
  ];

  it.concurrent.each(cases)('refuses %s in one line naming the fix, exit code 1, no stack', async (_name, start, expected) => {
    const result = await start();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^camfa-guard: [^\n]+\n$/);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('prints the stack and its causes with --verbose', async () => {
    const result = await serve(config({ databaseUrl: `postgres://127.0.0.1:${await closedPort()}/camfa` }), {}, ['--verbose']);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toMatch(/^camfa-guard: PostgreSQL at .*ECONNREFUSED/);
    expect(result.stderr).toMatch(/\n\s+at .*backend\.ts/);
    expect(result.stderr).toMatch(/\[cause\]: .*ECONNREFUSED/s);
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

  it('validates a document as an app would load it: no statistics over other apps', async () => {
    const velocity = join(dir, 'velocity.yaml');
    writeFileSync(velocity, 'id: velocity\nname: Velocity\nmodes: [api]\nuses:\n  - template: ip-velocity\n');
    expect((await cli(['policy', 'validate', velocity])).code).toBe(0);
    const asApp = await cli(['policy', 'validate', velocity, '--app', 'shop']);
    expect(asApp.code).toBe(1);
    expect(asApp.stdout).toMatch(/fail .*velocity\.yaml .*ip-velocity.*global workflow/);
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

describe('camfa-guard admin', () => {
  it('creates a console administrator once, prints its password once, and refuses a duplicate in one line', async () => {
    const dataDir = join(dir, 'admins');
    const created = await cli(['admin', 'create', 'ops', '--role', 'editor', '--data', dataDir]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created console administrator "ops" \(editor\)\.\nPassword \(shown once[^)]*\): \S{24}\n/);
    expect(created.stdout).toMatch(/Sign in at http:\/\/localhost:\d+\/console\//);
    const again = await cli(['admin', 'create', 'ops', '--role', 'viewer', '--data', dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('camfa-guard: An administrator named "ops" already exists\n');
    const wrong = await cli(['admin', 'create', 'ops', '--role', 'root', '--data', dataDir]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--role must be editor or viewer');
  });
});
