import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { CONSOLE_APP_ID } from '../console/definition.js';
import { configSchema, type Config, type ConfigInput } from './schema.js';

/** A refused config, as one line: where it came from (a file, or `environment`), then every problem with its field. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates a config object; the error lists every problem with its path. */
export function parseConfig(input: unknown, file = '(inline config)'): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      file,
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const ids = new Set<string>();
  for (const app of result.data.apps) {
    if (ids.has(app.id)) throw new ConfigError(file, [`apps: duplicate app id "${app.id}"`]);
    if (app.id === CONSOLE_APP_ID) throw new ConfigError(file, [`apps: "${CONSOLE_APP_ID}" is the built-in admin console's app id; choose another`]);
    ids.add(app.id);
  }
  // Its login workflow is built in (console/definition.ts): a config document must not replace the step-up.
  if (result.data.policies.documents.some((entry) => entry.app === CONSOLE_APP_ID)) {
    throw new ConfigError(file, [`policies.documents: the workflows of "${CONSOLE_APP_ID}" are built in and cannot be configured`]);
  }
  return result.data;
}

/** Reads a YAML or JSON config file (YAML is a superset of JSON, so one parser serves both). */
export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(file, [`not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(raw, file);
}

export const DEV_CONFIG_FILE = 'camfa.dev.yaml';

/**
 * The config used when none is given: one demo app with generated secrets, written once into the data
 * folder so secrets stay stable across restarts, and the seed scenarios as example workflows.
 */
export function devConfig(dataDir: string, port: number): { config: Config; file: string; created: boolean } {
  const file = join(dataDir, DEV_CONFIG_FILE);
  if (existsSync(file)) return { config: loadConfigFile(file), file, created: false };
  const origin = `http://localhost:${port}`;
  const input: ConfigInput = {
    dev: true,
    publicUrl: origin,
    adminToken: randomBytes(24).toString('base64url'),
    failMode: 'open',
    // The demo pretends some addresses are the office network, so the intranet scenario can be tried by hand.
    intranetCidrs: ['10.0.0.0/8', '192.168.0.0/16', '127.0.0.0/8', '::1/128'],
    apps: [{ id: 'demo', name: 'camfa-guard demo', secret: randomBytes(24).toString('base64url'), origins: [origin] }],
    policies: {
      documents: [
        { document: { id: 'login', name: 'Login risk', modes: ['api', 'event'], uses: [{ template: 'unusual-country' }, { template: 'ip-failures' }] } },
      ],
    },
  };
  mkdirSync(dataDir, { recursive: true });
  const config = parseConfig(input, file);
  writeFileSync(file, `# Generated dev config for camfa-guard: edit freely, or pass --config FILE.\n${toYaml(input)}`, { mode: 0o600 });
  return { config, file, created: true };
}
