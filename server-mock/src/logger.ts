import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Field paths that may carry credentials anywhere in a log object. Handlers log ids and codes only;
 * this is the second line of defence.
 */
const REDACT = [
  'secret',
  '*.secret',
  'appSecret',
  '*.appSecret',
  'token',
  '*.token',
  'stateToken',
  '*.stateToken',
  'adminToken',
  '*.adminToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'camfa-guard' }, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}
