#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { inspect, parseArgs } from 'node:util';
import { startBackend } from './src/backend.js';
import { ADMIN_USAGE, runAdminCommand, UsageError } from './src/console/admin-command.js';
import { GATEWAY_USAGE, runGatewayCommand } from './src/gateway/nginx-command.js';
import { formatExplanation, parseWorkflow } from './src/policy/engine.js';
import { evaluateWorkflow } from './src/workflows/evaluate.js';
import { openStorage } from './src/storage/index.js';
import { enrichEvent, parseCidrs } from './src/ueba/enrich.js';
import { geoipLiteProvider } from './src/ueba/geo.js';
import { uebaEventInputSchema } from './src/ueba/schema.js';

const USAGE = `camfa-guard — continuous adaptive step-up MFA, reference backend

Usage:
  camfa-guard serve [--port N] [--data DIR] [--config FILE] [--verbose]
  camfa-guard policy validate FILE... [--app ID]
  camfa-guard policy simulate FILE --event EVENT.json [--history EVENTS.json] [--app ID] [--intranet CIDR]...
${ADMIN_USAGE}
${GATEWAY_USAGE}

  serve      Start the backend. Without --config a dev config with a demo app is written to DIR and printed.
             A refusal to start is one line naming the field or the fix; --verbose adds the stack.
  validate   Check workflow documents (YAML or JSON); errors name the document, node and field. With
             --app, as that app's own workflows (policies/<ID>/…), which may not read other apps' events.
  simulate   Judge one event (EVENT.json, the fields of meta.ueba.capture) against a workflow, with an
             optional history (a JSON array of events, oldest first, each with an optional "ageSeconds"),
             and print the decision and why. Nothing is stored.
  admin      Create an administrator of the admin console (/console/) in the store serve uses with the same
             --data / --config. The password is printed once, or read from standard input with
             --password-stdin; TOTP or a passkey is set up at the first sign-in. A taken name is refused.
  gateway    Print the nginx server block (auth_request to this backend) of an app's gateway rules.`;

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, data: { type: 'string' }, config: { type: 'string' }, verbose: { type: 'boolean' } },
  });
  if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) throw new UsageError(`--port must be a port number, not "${values.port}"`);
  const backend = await startBackend({ port: values.port === undefined ? undefined : Number(values.port), dataDir: values.data, config: values.config });
  if (backend.devConfigFile) {
    const app = backend.config.apps[0]!;
    process.stdout.write(
      `\ncamfa-guard dev backend on ${backend.url}\n  config:     ${backend.devConfigFile}\n  app id:     ${app.id}\n  app secret: ${app.secret}\n  admin token:${' '}${backend.config.adminToken}\n  (dev config: do not use these secrets in production)\n`,
    );
  }
  process.stdout.write(`  console:    ${backend.consoleUrl} (camfa-guard admin create NAME --role editor)\n\n`);
  const stop = async () => {
    await backend.close();
    process.exit(0);
  };
  // A signal listener returns nothing: a close that fails becomes an unhandled rejection, which Node prints and
  // exits non-zero on.
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

async function validate(args: string[]): Promise<number> {
  const { values, positionals: files } = parseArgs({ args, allowPositionals: true, options: { app: { type: 'string' } } });
  if (files.length === 0) throw new UsageError('policy validate needs at least one FILE');
  let failures = 0;
  for (const file of files) {
    const result = parseWorkflow(await readFile(file, 'utf8'), file, { appId: values.app ?? null });
    if (result.ok) {
      process.stdout.write(`ok   ${file} (workflow "${result.workflow.id}")\n`);
    } else {
      failures++;
      for (const error of result.errors) process.stdout.write(`fail ${error.document} ${error.node} ${error.field}: ${error.message}\n`);
    }
  }
  return failures === 0 ? 0 : 1;
}

async function simulate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      event: { type: 'string' },
      history: { type: 'string' },
      app: { type: 'string', default: 'simulated-app' },
      intranet: { type: 'string', multiple: true, default: [] },
    },
  });
  const file = positionals[0];
  if (!file || !values.event) throw new UsageError('policy simulate needs FILE and --event EVENT.json');
  const parsed = parseWorkflow(await readFile(file, 'utf8'), file);
  if (!parsed.ok) {
    for (const error of parsed.errors) process.stdout.write(`fail ${error.document} ${error.node} ${error.field}: ${error.message}\n`);
    return 1;
  }
  const now = Date.now();
  const context = { appId: values.app, geo: geoipLiteProvider(), intranetCidrs: parseCidrs(values.intranet) };
  const toEvent = (raw: unknown, name: string, id: string, ageSeconds = 0) => {
    const input = uebaEventInputSchema.safeParse(raw);
    if (!input.success)
      throw new UsageError(`${name}: ${input.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}`);
    return enrichEvent(input.data, { ...context, id, now: now - ageSeconds * 1000 });
  };
  const storage = await openStorage({ url: ':memory:' });
  try {
    if (values.history) {
      const history = JSON.parse(await readFile(values.history, 'utf8')) as unknown;
      if (!Array.isArray(history)) throw new UsageError('--history must be a JSON array of events');
      for (const [index, raw] of history.entries()) {
        const { ageSeconds, ...fields } = raw as { ageSeconds?: number };
        await storage.insertEvent(toEvent(fields, `${values.history}[${index}]`, `history-${index}`, ageSeconds ?? 0));
      }
    }
    const event = toEvent(JSON.parse(await readFile(values.event, 'utf8')), values.event, 'simulated-event');
    const decision = await evaluateWorkflow({ workflow: parsed.workflow, event, storage, now });
    process.stdout.write(`${formatExplanation(decision)}\n`);
    return 0;
  } finally {
    await storage.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (command === 'serve') {
    await serve(argv.slice(1));
    return -1;
  }
  if (command === 'policy' && sub === 'validate') return validate(rest);
  if (command === 'policy' && sub === 'simulate') return simulate(rest);
  if (command === 'gateway') return runGatewayCommand(argv.slice(1), (text) => process.stdout.write(text));
  if (command === 'admin') return runAdminCommand(argv.slice(1), { stdout: (text) => process.stdout.write(text), readStdin, env: process.env });
  process.stdout.write(`${USAGE}\n`);
  return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The command line itself is wrong (exit 2), as opposed to a refusal to start or a failed command (exit 1). */
const isUsageError = (error: unknown) => error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');

main(process.argv.slice(2)).then(
  (code) => {
    // serve keeps running; the other commands end here.
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    // An operator needs the field or the fix, not a stack trace: one line, unless asked for more.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`camfa-guard: ${message.trim().replace(/\s*\n\s*/g, ' ')}\n`);
    // inspect() also shows the causes: the driver's own error behind "cannot connect".
    if (process.argv.includes('--verbose')) process.stderr.write(`${inspect(error)}\n`);
    process.exitCode = isUsageError(error) ? 2 : 1;
  },
);
