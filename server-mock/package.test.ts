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

  it('imports the browser entry without DOM globals', async () => {
    const { stdout } = await node("await import('camfa-guard'); console.log(typeof document)");
    expect(stdout.trim()).toBe('undefined');
  });

  it('runs the camfa-guard command from its bin', async () => {
    const { stdout } = await run(process.execPath, ['dist/server-mock/cli.js', '--help']);
    expect(stdout).toContain('camfa-guard serve');
  });
});
