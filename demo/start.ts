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
const app = (config.apps ?? [])[0]!;

const backend = await startBackend({
  config: { ...config, publicUrl: `http://localhost:${backendPort}` },
  port: backendPort,
  hostname: '127.0.0.1',
  dataDir: resolve(process.env.DEMO_DATA_DIR ?? '.data/demo'),
  logLevel: process.env.LOG_LEVEL ?? 'warn',
});
const demo = await startDemoServer({
  backendUrl: `http://127.0.0.1:${backendPort}`,
  publicBackendUrl: `http://localhost:${backendPort}`,
  appId: app.id,
  appSecret: app.secret,
  port,
});

process.stdout.write(
  [
    '',
    `  Northwind Bank demo   ${demo.url}/`,
    `  camfa-guard backend   ${backend.url}  (dev outbox: http://localhost:${backendPort}/dev/outbox)`,
    `  sign in as            ${DEMO_USERS.map((user) => `${user.username} / ${user.password}`).join(',  ')}`,
    '',
    '',
  ].join('\n'),
);

const stop = async () => {
  await demo.close();
  await backend.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
