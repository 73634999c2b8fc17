/**
 * The package as users install it: `npm test` builds first, then these import the built entry points by
 * the package's own name, in a plain Node process, exactly as `exports` and `bin` resolve them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const node = (code: string) => run(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' } });

describe('package entry points', () => {
  it('exports the Node SDK from camfa-guard/server', async () => {
    const { stdout } = await node(
      "const sdk = await import('camfa-guard/server'); console.log(['MetadataManagementClient','AuthenticationClient','mfaAuthMiddleware','stepUpChallenge','CamfaError'].map((name) => typeof sdk[name]).join(','))",
    );
    expect(stdout.trim()).toBe('function,function,function,function,function');
  });

  it('starts and stops the backend from camfa-guard/backend', async () => {
    const { stdout } = await node(`
      import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
      const { startBackend } = await import('camfa-guard/backend');
      const backend = await startBackend({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'camfa-pkg-')), logLevel: 'silent', geo: {} });
      const health = await fetch(backend.url + '/healthz');
      await backend.close();
      console.log(health.status);
    `);
    expect(stdout.trim()).toBe('200');
  });

  it('imports every browser entry without DOM globals, registering nothing', async () => {
    const { stdout } = await node(`
      import { existsSync, readdirSync } from 'node:fs';
      const browser = await import('camfa-guard');
      const dir = 'dist/browser/components';
      const components = existsSync(dir) ? readdirSync(dir) : [];
      for (const name of components) await import('camfa-guard/components/' + name);
      const guard = new browser.GuardFactory.Guard({ appId: 'shop', host: 'https://mfa.example.com' });
      console.log(JSON.stringify({
        names: ['Guard', 'GuardFactory', 'MetadataClient', 'GuardError', 'ApiClient', 'defineElements'].map((name) => typeof browser[name]),
        guard: guard instanceof browser.Guard,
        document: typeof document,
        window: typeof window,
        registered: typeof customElements === 'undefined' ? [] : ['guard-login', 'guard-step-up'].filter((tag) => customElements.get(tag)),
        componentsImported: components.length,
      }));
    `);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ guard: true, document: 'undefined', window: 'undefined', registered: [] });
    expect(result.names).toEqual(['function', 'object', 'function', 'function', 'function', 'function']);
  });

  it('runs the camfa-guard command from its bin', async () => {
    const { stdout } = await run(process.execPath, ['dist/server-mock/cli.js', '--help']);
    expect(stdout).toContain('camfa-guard serve');
  });
});
