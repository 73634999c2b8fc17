import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import ipaddr from 'ipaddr.js';
import { RE2JS } from 're2js';
import { EVENT_FIELDS } from '../protocol/index.js';

/**
 * The CEL dialect of workflow documents: four map variables, `now`, and the helpers below. One
 * environment for the whole process, because building one is the expensive part of cel-js.
 */

const MAX_EXPRESSION_LENGTH = 2048;

/** Kilometres; the mean Earth radius gives haversine distances within 0.5 % of the ellipsoid. */
const EARTH_RADIUS_KM = 6371.0088;
const MS_PER_HOUR = 3_600_000;

type CelMap = Record<string, unknown>;

function toNumber(value: unknown): number | null {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = radians(lat2 - lat1);
  const dLon = radians(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function coordinates(event: unknown): { lat: number; lon: number; at: number | null } | null {
  if (event === null || typeof event !== 'object') return null;
  const map = event as CelMap;
  const lat = toNumber(map.latitude);
  const lon = toNumber(map.longitude);
  if (lat === null || lon === null) return null;
  return { lat, lon, at: toNumber(map.requestDate) };
}

/** Distance between two events' geo positions; 0 when either lacks coordinates, so a missing geo lookup never looks like travel. */
export function eventDistanceKm(first: unknown, second: unknown): number {
  const a = coordinates(first);
  const b = coordinates(second);
  return a && b ? haversineKm(a.lat, a.lon, b.lat, b.lon) : 0;
}

/**
 * Speed needed to get from one event to the other. 0 when coordinates or times are missing.
 * Two distinct places at the same millisecond give Infinity: that is the honest answer, and
 * templates pair it with a minimum distance so geo-lookup jitter between nearby cities never fires.
 */
export function speedKmh(previous: unknown, current: unknown): number {
  const a = coordinates(previous);
  const b = coordinates(current);
  if (!a || !b || a.at === null || b.at === null) return 0;
  const km = haversineKm(a.lat, a.lon, b.lat, b.lon);
  const hours = Math.abs(b.at - a.at) / MS_PER_HOUR;
  if (hours === 0) return km === 0 ? 0 : Infinity;
  return km / hours;
}

export function isValidCidr(cidr: string): boolean {
  try {
    ipaddr.parseCIDR(cidr);
    return true;
  } catch {
    return false;
  }
}

/** IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) match IPv4 ranges, as a dual-stack server sees them. */
export function inCidr(ip: unknown, cidr: string): boolean {
  if (typeof ip !== 'string' || !ipaddr.isValid(ip)) return false;
  const address = ipaddr.process(ip);
  const [range, bits] = ipaddr.parseCIDR(cidr);
  const normalisedRange = range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() ? (range as ipaddr.IPv6).toIPv4Address() : range;
  const normalisedBits = normalisedRange === range ? bits : bits - 96;
  if (address.kind() !== normalisedRange.kind()) return false;
  return address.match(normalisedRange, normalisedBits);
}

/** `user.<name>`, else `event.custom.<name>`, as a list of strings: one value, a list of values, or none (empty). */
export function userAttribute(user: unknown, event: unknown, name: string): string[] {
  const custom = event !== null && typeof event === 'object' ? (event as CelMap).custom : undefined;
  // The directory stores `roles` while authors (and the seed) write `role`: either spelling finds either key.
  const names = [name, name.endsWith('s') ? name.slice(0, -1) : `${name}s`];
  for (const source of [user, custom]) {
    for (const key of names) {
      const value = source !== null && typeof source === 'object' ? (source as CelMap)[key] : undefined;
      const values = (Array.isArray(value) ? value : [value]).filter((item) => item !== null && item !== undefined).map(String);
      // An empty list is no value: a directory user without roles falls back to the role the event carries.
      if (values.length > 0) return values;
    }
  }
  return [];
}

function distanceKm(lat1: unknown, lon1: unknown, lat2: unknown, lon2: unknown): number {
  const numbers = [lat1, lon1, lat2, lon2].map(toNumber);
  if (numbers.some((value) => value === null)) throw new Error('distanceKm needs four numbers (a missing coordinate is null)');
  const [a, b, c, d] = numbers as number[];
  return haversineKm(a!, b!, c!, d!);
}

const HELPER_FUNCTIONS = [
  {
    signature: 'distanceKm(dyn, dyn, dyn, dyn): double',
    description: 'Great-circle distance in km between two latitude/longitude pairs; an error if one is null.',
  },
  { signature: 'eventDistanceKm(dyn, dyn): double', description: 'Distance in km between two events; 0 when either lacks coordinates.' },
  {
    signature: 'speedKmh(dyn, dyn): double',
    description: 'Speed in km/h needed between two events (latitude, longitude, requestDate); 0 when anything is missing.',
  },
  { signature: 'inCidr(dyn, string): bool', description: 'Whether an IP address (string or null) lies in a CIDR range; false for null or invalid addresses.' },
  {
    signature: 'userAttribute(dyn, dyn, string): list<string>',
    description: 'user.<name> (or its singular/plural: role, roles), else event.custom.<name> likewise, as a list of strings.',
  },
] as const;

/**
 * Regular expressions come from policy authors and are matched against text end users control (a user
 * agent, a custom field), so they run on RE2 — linear in the input, no backtracking — instead of cel-js's
 * `new RegExp()`, where `"aaaa…!".matches("^(a+)+$")` doubles its cost with each character and freezes the
 * event loop for every app. The bounds keep the linear constant small.
 */
export const REGEX_LIMITS = { patternLength: 512, inputLength: 8192, cachedPatterns: 256 } as const;

const compiledPatterns = new Map<string, RE2JS>();

/** RE2 syntax (no back-references or look-around); the reason as a sentence when the pattern is refused. */
function compilePattern(pattern: string): RE2JS | string {
  const cached = compiledPatterns.get(pattern);
  if (cached) return cached;
  if (pattern.length > REGEX_LIMITS.patternLength) return `regular expression longer than ${REGEX_LIMITS.patternLength} characters`;
  try {
    const compiled = RE2JS.compile(pattern);
    // Patterns are mostly constants of the loaded workflows; the bound only matters for computed ones.
    if (compiledPatterns.size >= REGEX_LIMITS.cachedPatterns) compiledPatterns.delete(compiledPatterns.keys().next().value!);
    compiledPatterns.set(pattern, compiled);
    return compiled;
  } catch (error) {
    return `invalid regular expression (RE2 syntax: no back-references or look-around): ${describe(error)}`;
  }
}

/** CEL's `matches`: true when the pattern matches any part of the text (RE2 semantics, as in the CEL spec). */
export function safeMatches(text: string, pattern: string): boolean {
  const compiled = compilePattern(pattern);
  if (typeof compiled === 'string') throw new Error(compiled);
  if (text.length > REGEX_LIMITS.inputLength) throw new Error(`matches() on a text longer than ${REGEX_LIMITS.inputLength} characters`);
  return compiled.matcher(text).find();
}

/** The name `x.matches(p)` is rewritten to, since cel-js will not let its own `matches` be replaced. */
const SAFE_MATCHES = 'matchesRe2';

const handlers: Record<string, (...args: never[]) => unknown> = {
  distanceKm,
  eventDistanceKm,
  speedKmh,
  inCidr,
  userAttribute,
};

export type CelVariable = 'event' | 'user' | 'params' | 'stats' | 'now';

function createEnvironment(): Environment {
  const environment = new Environment({
    homogeneousAggregateLiterals: false,
    // Lets authors write `user.?department.orValue("")` instead of guarding every optional attribute with has().
    enableOptionalTypes: true,
    // Expressions are at most 2 KB; these bounds keep a hostile one from costing more than a normal one.
    limits: { maxAstNodes: 1000, maxDepth: 40, maxListElements: 200, maxMapEntries: 200, maxCallArguments: 8 },
  })
    .registerVariable('event', 'map', { description: 'The event being judged (UebaEvent fields; requestDate in ms).' })
    .registerVariable('user', 'map', { description: 'User attributes supplied by the caller, or {}.' })
    .registerVariable('params', 'map', { description: 'Workflow (or template) parameters.' })
    .registerVariable('stats', 'map', { description: 'Statistic results by id.' })
    .registerVariable('now', 'int', { description: 'Evaluation time, ms since the epoch.' });
  for (const { signature, description } of HELPER_FUNCTIONS) {
    const name = signature.slice(0, signature.indexOf('('));
    environment.registerFunction(signature, handlers[name] as (...args: unknown[]) => unknown, { description });
  }
  return environment
    .registerFunction(`string.${SAFE_MATCHES}(string): bool`, safeMatches, { description: 'matches() on RE2 (linear time).' })
    .registerFunction('matches(string, string): bool', safeMatches, { description: 'Whether the text matches the RE2 pattern anywhere.' });
}

const environment = createEnvironment();

export type CelProgram = ReturnType<Environment['parse']>;

function describe(error: unknown): string {
  if (error instanceof Error) {
    const { summary, range } = error as Error & { summary?: string; range?: { start: number } };
    const text = summary ?? error.message.split('\n')[0] ?? String(error);
    return range ? `${text} (at character ${range.start + 1})` : text;
  }
  return String(error);
}

/** What an expression may reference, beyond CEL's own syntax and types. */
export interface ReferenceRules {
  params: ReadonlySet<string>;
  stats: ReadonlySet<string>;
  /** Variables that hold no value where the expression runs (e.g. `stats` in `match`). */
  forbidden: ReadonlySet<CelVariable>;
}

const EVENT_KEYS: ReadonlySet<string> = new Set<string>([...EVENT_FIELDS, 'id', 'custom']);

function isNode(value: unknown): value is ASTNode {
  return value !== null && typeof value === 'object' && 'op' in value && 'args' in value;
}

function walk(node: ASTNode, visit: (node: ASTNode) => void): void {
  visit(node);
  const pending: unknown[] = [node.args];
  while (pending.length > 0) {
    const next = pending.pop();
    if (isNode(next)) walk(next, visit);
    else if (Array.isArray(next)) pending.push(...next);
  }
}

/** `variable.key`, `variable.?key`, `variable["key"]`, `variable[?"key"]` → [variable, key]. */
function memberOf(node: ASTNode): [string, string] | null {
  if (node.op === '.' || node.op === '.?') {
    const [target, key] = node.args;
    return target.op === 'id' ? [target.args, key] : null;
  }
  if (node.op === '[]' || node.op === '[?]') {
    const [target, key] = node.args;
    return target.op === 'id' && key.op === 'value' && typeof key.args === 'string' ? [target.args, key.args] : null;
  }
  return null;
}

/** The pattern argument of `text.matches(pattern)` or `matches(text, pattern)`. */
function matchesPattern(node: ASTNode): ASTNode | undefined {
  if (node.op === 'rcall' && node.args[0] === 'matches') return node.args[2][0];
  if (node.op === 'call' && node.args[0] === 'matches') return node.args[1][1];
  return undefined;
}

/**
 * The source with every `text.matches(pattern)` renamed to the RE2 method. The method name is the token
 * right before the `(` (and any parentheses) that open the pattern argument, whose start the AST gives.
 */
function withSafeMatches(source: string, ast: ASTNode): string {
  const renames: number[] = [];
  walk(ast, (node) => {
    if (node.op !== 'rcall' || node.args[0] !== 'matches') return;
    const name = /matches\s*(?:\(\s*)+$/.exec(source.slice(0, (node.args[2][0] as ASTNode).start));
    if (name) renames.push(name.index);
  });
  let rewritten = source;
  for (const at of renames.sort((a, b) => b - a)) rewritten = rewritten.slice(0, at) + SAFE_MATCHES + rewritten.slice(at + 'matches'.length);
  return rewritten;
}

function callsBacktrackingMatches(ast: ASTNode): boolean {
  let found = false;
  walk(ast, (node) => {
    if (node.op === 'rcall' && node.args[0] === 'matches') found = true;
  });
  return found;
}

function checkReferences(ast: ASTNode, rules: ReferenceRules): string[] {
  const problems: string[] = [];
  walk(ast, (node) => {
    if (node.op === 'id' && rules.forbidden.has(node.args as CelVariable)) {
      problems.push(`"${node.args}" is not available here`);
    }
    const member = memberOf(node);
    if (member) {
      const [variable, key] = member;
      if (variable === 'params' && !rules.params.has(key)) problems.push(`unknown parameter "params.${key}"`);
      if (variable === 'stats' && !rules.stats.has(key)) problems.push(`unknown statistic "stats.${key}"`);
      if (variable === 'event' && !EVENT_KEYS.has(key)) problems.push(`unknown event field "event.${key}"`);
    }
    const pattern = matchesPattern(node);
    if (pattern?.op === 'value' && typeof pattern.args === 'string') {
      const compiled = compilePattern(pattern.args);
      if (typeof compiled === 'string') problems.push(`"${pattern.args.slice(0, 80)}": ${compiled}`);
    }
    if (node.op === 'call' && node.args[0] === 'inCidr') {
      const cidr = node.args[1][1];
      if (cidr?.op === 'value' && typeof cidr.args === 'string' && !isValidCidr(cidr.args)) problems.push(`"${cidr.args}" is not a CIDR range`);
    }
  });
  return [...new Set(problems)];
}

/**
 * Parses, type-checks and reference-checks an expression; never throws. A `condition` must be able to
 * give a boolean; a `value` expression (e.g. a factor list) may give anything.
 */
export function compileExpression(
  source: string,
  kind: 'condition' | 'value',
  rules: ReferenceRules,
): { ok: true; program: CelProgram } | { ok: false; problems: string[] } {
  if (source.length > MAX_EXPRESSION_LENGTH) return { ok: false, problems: [`expression longer than ${MAX_EXPRESSION_LENGTH} characters`] };
  try {
    const program = environment.parse(source);
    const checked = program.check();
    if (!checked.valid) return { ok: false, problems: [describe(checked.error)] };
    if (kind === 'condition' && checked.type !== 'bool' && checked.type !== 'dyn') {
      return { ok: false, problems: [`must be a boolean condition, but this expression gives ${checked.type}`] };
    }
    const problems = checkReferences(program.ast, rules);
    if (problems.length > 0) return { ok: false, problems };
    if (!callsBacktrackingMatches(program.ast)) return { ok: true, program };
    // Checked as written, so problems point at the author's characters; run with RE2 behind matches().
    const safe = environment.parse(withSafeMatches(source, program.ast));
    if (!safe.check().valid || callsBacktrackingMatches(safe.ast)) return { ok: false, problems: ['write matches() as text.matches("pattern")'] };
    return { ok: true, program: safe };
  } catch (error) {
    return { ok: false, problems: [describe(error)] };
  }
}

/** Runs a compiled expression; a runtime error comes back as a value, never as an exception. */
export function run(program: CelProgram, context: CelContext): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: program(context) };
  } catch (error) {
    return { ok: false, error: describe(error) };
  }
}

export interface CelContext {
  event: CelMap;
  user: CelMap;
  params: CelMap;
  stats: CelMap;
  now: bigint;
}

/** Coordinates stay doubles even when whole, so `event.latitude + 0.5` type-checks for every event. */
const ALWAYS_DOUBLE: ReadonlySet<string> = new Set(['latitude', 'longitude']);

/**
 * JSON-ish value → CEL value. Whole numbers become CEL `int` (so `stats.count + 1` works and counts
 * compare with `size(...)`), other numbers `double`; CEL compares int with double, so `>= 2.5` works too.
 */
export function toCel(value: unknown, key?: string): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) && !(key && ALWAYS_DOUBLE.has(key)) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map((item) => toCel(item));
  if (value !== null && typeof value === 'object') {
    // Every judged event goes through here: a loop into one object, not entries → map → fromEntries.
    const converted: Record<string, unknown> = {};
    for (const [entryKey, entry] of Object.entries(value)) {
      // A business's custom map may hold a "__proto__" key: it must stay a key, not become the prototype.
      if (entryKey === '__proto__')
        Object.defineProperty(converted, entryKey, { value: toCel(entry, entryKey), enumerable: true, writable: true, configurable: true });
      else converted[entryKey] = toCel(entry, entryKey);
    }
    return converted;
  }
  return value;
}

/** CEL value → JSON value, for decisions and explanations (ints back to numbers). */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([key, entry]) => [String(key), fromCel(entry)]));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, fromCel(entry)]));
  return value;
}
