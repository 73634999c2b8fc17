/**
 * Where the SDK reports degraded decisions and circuit changes. The argument order is pino's
 * (`fields, message`), so a pino or bunyan logger can be passed as is; `console` works too.
 * Fields carry the app id and the reason, never the secret.
 */
export interface CamfaLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info?(fields: Record<string, unknown>, message: string): void;
}

/** The default: one line per message on the console, fields as JSON. */
export const consoleLogger: CamfaLogger = {
  warn: (fields, message) => console.warn(`[camfa-guard] ${message} ${JSON.stringify(fields)}`),
  info: (fields, message) => console.info(`[camfa-guard] ${message} ${JSON.stringify(fields)}`),
};
