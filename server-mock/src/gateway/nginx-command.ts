import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { UsageError } from '../console/admin-command.js';
import { nginxServer } from './nginx.js';

export const GATEWAY_USAGE = `  camfa-guard gateway nginx --config FILE --app ID --upstream URL [--listen 80] [--backend URL]`;

/**
 * `camfa-guard gateway nginx`: prints the nginx `server { }` block of an app's gateway rules, to include in an
 * `http { }` block. `--backend` is this backend as nginx reaches it (default the config's `publicUrl`).
 */
export function runGatewayCommand(args: string[], stdout: (text: string) => void): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      app: { type: 'string' },
      upstream: { type: 'string' },
      listen: { type: 'string', default: '80' },
      backend: { type: 'string' },
    },
  });
  if (positionals[0] !== 'nginx' || !values.config || !values.app || !values.upstream) throw new UsageError(`usage:\n${GATEWAY_USAGE}`);
  const config = loadConfigFile(values.config);
  const app = config.apps.find((candidate) => candidate.id === values.app);
  if (!app?.gateway) throw new UsageError(`${values.config} has no app "${values.app}" with a gateway section`);
  const backend = (values.backend ?? config.publicUrl)?.replace(/\/$/, '');
  if (!backend) throw new UsageError('give --backend URL (the config has no publicUrl)');
  stdout(nginxServer({ appId: app.id, gateway: app.gateway, listen: values.listen, backend, upstream: values.upstream }));
  return 0;
}
