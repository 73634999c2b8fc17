/**
 * `npm start`: the reference backend and the demo business system, on two ports.
 * Demo on PORT (default 8787), backend on the next port. Data in DEMO_DATA_DIR (default .data/demo).
 */
import { resolve } from 'node:path';
import { startBackend } from '../server-mock/src/backend.js';
import { demoBackendConfig } from './config.js';
import { DEMO_USERS, startDemoServer } from './server.js';

const port = Number(process.env.PORT ?? 8787);
const backendPort = Number(process.env.BACKEND_PORT ?? port + 1);
const demoOrigins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
const config = demoBackendConfig({ demoOrigins });
const dataDir = resolve(process.env.DEMO_DATA_DIR ?? '.data/demo');
const app = (config.apps ?? [])[0]!;

// BACKEND_URL (+ DEMO_APP_SECRET) points the demo at a backend running elsewhere, e.g. one a test can kill.
const external = process.env.BACKEND_URL;
const backend = external
  ? null
  : await startBackend({
      config: { ...config, publicUrl: `http://localhost:${backendPort}` },
      port: backendPort,
      hostname: '127.0.0.1',
      dataDir,
      logLevel: process.env.LOG_LEVEL ?? 'warn',
    }).catch(refuse);
const backendUrl = external ?? `http://127.0.0.1:${backendPort}`;
const publicBackendUrl = process.env.PUBLIC_BACKEND_URL ?? (external ? external : `http://localhost:${backendPort}`);
const demo = await startDemoServer({
  backendUrl,
  publicBackendUrl,
  appId: app.id,
  appSecret: process.env.DEMO_APP_SECRET ?? app.secret,
  port,
}).catch(refuse);

process.stdout.write(
  [
    '',
    `  Northwind Bank demo   ${demo.url}/`,
    `  camfa-guard backend   ${publicBackendUrl}  (dev outbox: ${publicBackendUrl}/dev/outbox)`,
    `  admin console         ${publicBackendUrl}/console/  (first admin: npx camfa-guard admin create NAME --role editor --data ${dataDir})`,
    `  sign in as            ${DEMO_USERS.map((user) => `${user.username} / ${user.password}`).join(',  ')}`,
    '',
    '',
  ].join('\n'),
);

/** A start-up refusal is one line, like `camfa-guard serve`'s: the setting to change, no stack. */
function refuse(error: Error): never {
  process.stderr.write(`npm start: ${error.message}\n`);
  process.exit(1);
}

const stop = async () => {
  await demo.close();
  await backend?.close();
  process.exit(0);
};
// A signal listener returns nothing: a close that fails becomes an unhandled rejection, which Node prints and
// exits non-zero on.
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
