/**
 * The demo business system: "Northwind Bank", built the way a reader of the seeds would build theirs.
 * It has its own users and password login, reports what users do to camfa-guard (seed step 3), asks the
 * `login` workflow whether a sign-in needs a step-up, re-issues its own session from the mfaToken (step
 * 3.2.5), and locks its API with `mfaAuthMiddleware` (step 6). The page (`public/`) does the rest.
 */
import express, { type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuthenticationClient, CamfaError, MetadataManagementClient, mfaAuthMiddleware } from '../server-mock/src/sdk/index.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../server-mock/src/users/password.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Where the page may pretend to be. A demo on localhost cannot be located, so "home" is a London address;
 * each is a real public IP that the backend's offline database (geoip-lite) places in that country.
 */
export const LOCATIONS = {
  home: { ip: '81.2.69.142', label: 'Home · United Kingdom' },
  abroad: { ip: '202.96.209.5', label: 'Travelling · China' },
} as const;
/** Where the "suspicious activity" button pretends the session was used from (Brazil). */
export const RISKY_IP = '200.147.67.142';

export interface DemoUser {
  id: string;
  username: string;
  name: string;
  email: string;
  phone: string;
  balance: number;
  passwordHash: string;
}

/** The demo's sign-ins (shown on the login page). */
export const DEMO_USERS = [
  { id: 'u-alice', username: 'alice', password: 'wonderland', name: 'Alice Liddell', email: 'alice@example.com', phone: '+447700900001', balance: 12840.5 },
  { id: 'u-bob', username: 'bob', password: 'builder-bob', name: 'Bob Builder', email: 'bob@example.com', phone: '+447700900002', balance: 3120 },
];

/** Lives only in camfa-guard's built-in directory (password hashed there), for `/directory.html`. */
export const DIRECTORY_USER = { originalIdentity: 'd-carol', username: 'carol', password: 'looking-glass', email: 'carol@example.com' };

export interface DemoServerOptions {
  /** camfa-guard backend as this server reaches it. */
  backendUrl: string;
  /** The backend's URL as browsers reach it (default: backendUrl). */
  publicBackendUrl?: string;
  appId: string;
  appSecret: string;
  port?: number;
  hostname?: string;
  /** Static files of the CDN build (default: dist/cdn of this repository). */
  cdnDir?: string;
  /** Password hashing cost; tests lower it. */
  passwordCost?: { N: number; r: number; p: number };
}

export interface DemoServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Session {
  userId: string;
  createdAt: number;
}

const SESSION_COOKIE = 'nw_session';
const PENDING_COOKIE = 'nw_pending';
const PENDING_TTL_MS = 10 * 60_000;

function cookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) out[part.slice(0, index).trim()] = decodeURIComponent(part.slice(index + 1).trim());
  }
  return out;
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const clientOptions = { host: options.backendUrl, appId: options.appId, appSecret: options.appSecret };
  const meta = new MetadataManagementClient({ ...clientOptions, failMode: 'open' });
  const auth = new AuthenticationClient(clientOptions);

  // The business system's own user table, with scrypt hashes.
  const users = new Map<string, DemoUser>();
  for (const user of DEMO_USERS) {
    const { password, ...rest } = user;
    users.set(user.username, { ...rest, passwordHash: await hashPassword(password, options.passwordCost) });
  }
  const byId = (id: string) => [...users.values()].find((user) => user.id === id);
  // Seeding is start-up work, not a request in a user's path: it may wait for a backend that is still warming
  // up or hashing a password (scrypt) on a busy machine, where the request-path clients give up after 1 s.
  const seed = new MetadataManagementClient({ ...clientOptions, timeoutMs: 30_000 });
  // camfa-guard sends SMS and e-mail codes: it needs each user's destinations (its directory, no password).
  for (const user of users.values()) {
    const existing = await seed.users.get(user.id).catch(() => null);
    if (!existing) await seed.users.create({ originalIdentity: user.id, username: user.username, email: user.email, phone: user.phone });
  }
  // The second path (/directory.html): a team without a login system signs in against camfa-guard's own directory.
  if (!(await seed.users.get(DIRECTORY_USER.originalIdentity).catch(() => null))) await seed.users.create(DIRECTORY_USER);

  const sessions = new Map<string, Session>();
  const pendingLogins = new Map<string, { userId: string; expiresAt: number }>();
  const pendingEvents = new Map<string, { ip: string; ua?: string; deviceId?: string; behaviorType: string; loginType: string }>();
  const transfers: { id: string; userId: string; to: string; amount: number; at: number }[] = [];

  const sessionUser = (req: Request): DemoUser | undefined => {
    const session = sessions.get(cookies(req)[SESSION_COOKIE] ?? '');
    return session ? byId(session.userId) : undefined;
  };
  const startSession = (res: Response, user: DemoUser) => {
    const sid = randomBytes(24).toString('base64url');
    sessions.set(sid, { userId: user.id, createdAt: Date.now() });
    res.cookie(SESSION_COOKIE, sid, { httpOnly: true, sameSite: 'lax', path: '/' });
    res.clearCookie(PENDING_COOKIE, { path: '/' });
  };
  /** The address the page pretends to have, else the connection's. */
  const clientIp = (req: Request, location: unknown): string =>
    location === 'home' || location === 'abroad' ? LOCATIONS[location].ip : (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const publicUser = (user: DemoUser) => ({ id: user.id, username: user.username, name: user.name, email: user.email });
  const requireUser = (req: Request, res: Response): DemoUser | undefined => {
    const user = sessionUser(req);
    if (!user) res.status(401).json({ code: 'not_signed_in', message: 'Sign in first' });
    return user;
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '32kb' }));
  app.use((_req, res, next) => {
    res.set({
      'content-security-policy': `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${options.publicBackendUrl ?? options.backendUrl}; frame-ancestors 'none'`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    next();
  });

  app.get('/api/config', (_req, res) => {
    res.json({ appId: options.appId, host: options.publicBackendUrl ?? options.backendUrl, locations: LOCATIONS });
  });

  // Seed step 3: the business system's own login, reporting to camfa-guard and asking the login workflow.
  app.post('/api/login', async (req, res, next) => {
    try {
      const { login, password, location, metadata = {} } = req.body ?? {};
      if (typeof login !== 'string' || typeof password !== 'string')
        return res.status(400).json({ code: 'invalid_request', message: 'login and password are required' });
      const user = users.get(login.trim().toLowerCase());
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
      const event = {
        ip: clientIp(req, location),
        ua: typeof metadata.userAgent === 'string' ? metadata.userAgent : req.get('user-agent'),
        deviceId: typeof metadata.deviceId === 'string' ? metadata.deviceId : undefined,
        behaviorType: 'login',
        loginType: 'password',
      };
      if (!user || !ok) {
        // Failures count towards the ip-failures rule (whoever the user).
        await meta.ueba.capture({ ...event, originalIdentity: user?.id ?? `unknown:${login.slice(0, 64)}`, behaviorResult: 'failure' }).catch(() => {});
        return res.status(401).json({ code: 'invalid_credentials', message: 'Wrong username or password' });
      }
      const trigger = await auth.mfa.triggerWorkflow({ workflowId: 'login', metadata: { ...event, originalIdentity: user.id, behaviorResult: 'success' } });
      if (trigger) {
        const pid = randomBytes(24).toString('base64url');
        pendingLogins.set(pid, { userId: user.id, expiresAt: Date.now() + PENDING_TTL_MS });
        res.cookie(PENDING_COOKIE, pid, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: PENDING_TTL_MS });
        // Remember where this sign-in came from: recorded once the step-up passes.
        pendingEvents.set(pid, event);
        return res.json({ mfa: trigger });
      }
      await meta.ueba.capture({ ...event, originalIdentity: user.id, behaviorResult: 'success' });
      startSession(res, user);
      res.json({ user: publicUser(user) });
    } catch (error) {
      next(error);
    }
  });
  // Seed step 3.2.5: the mfaToken proves the step-up; the business system issues its own session from it.
  app.post('/api/login/mfa', async (req, res, next) => {
    try {
      const pid = cookies(req)[PENDING_COOKIE] ?? '';
      const pending = pendingLogins.get(pid);
      if (!pending || pending.expiresAt < Date.now()) return res.status(401).json({ code: 'no_pending_login', message: 'Sign in again' });
      const mfaToken = req.body?.mfaToken;
      if (typeof mfaToken !== 'string') return res.status(400).json({ code: 'invalid_request', message: 'mfaToken is required' });
      const result = await auth.exchange(mfaToken);
      if (!result.status) return res.status(401).json({ code: result.code, message: 'The verification could not be confirmed' });
      if (result.data.originalIdentity !== pending.userId)
        return res.status(403).json({ code: 'wrong_user', message: 'That verification is for someone else' });
      const user = byId(pending.userId)!;
      pendingLogins.delete(pid);
      const event = pendingEvents.get(pid);
      pendingEvents.delete(pid);
      if (event) await meta.ueba.capture({ ...event, originalIdentity: user.id, behaviorResult: 'success', custom: { amr: result.data.amr.join(' ') } });
      startSession(res, user);
      res.json({ user: publicUser(user) });
    } catch (error) {
      next(error);
    }
  });

  app.post('/api/logout', (req, res) => {
    sessions.delete(cookies(req)[SESSION_COOKIE] ?? '');
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  app.get('/api/me', (req, res) => {
    const user = requireUser(req, res);
    if (user) res.json({ user: publicUser(user) });
  });

  // For guard.subscribe in the page: a short-lived token for this user's MFA events only.
  app.get('/api/subscription-token', async (req, res, next) => {
    try {
      const user = requireUser(req, res);
      if (!user) return;
      const { token } = await auth.mfa.createSubscriptionToken({ originalIdentity: user.id });
      res.set('cache-control', 'no-store').json({ token });
    } catch (error) {
      next(error);
    }
  });

  // Seed step 6: a user with a pending step-up is locked out of the API (RFC 9470 401) until they pass.
  const getUserId = (req: Request) => sessionUser(req)?.id;
  app.get('/api/profile', mfaAuthMiddleware({ client: meta, getUserId, failMode: 'open' }), (req, res) => {
    const user = requireUser(req, res);
    if (user)
      res.json({
        user: publicUser(user),
        phone: user.phone,
        balance: user.balance,
        transfers: transfers
          .filter((t) => t.userId === user.id)
          .slice(-5)
          .reverse(),
      });
  });
  app.post('/api/transfer', mfaAuthMiddleware({ client: meta, getUserId, failMode: 'closed' }), (req, res) => {
    const user = requireUser(req, res);
    if (!user) return;
    const amount = Number(req.body?.amount);
    const to = String(req.body?.to ?? '').slice(0, 64);
    if (!to || !Number.isFinite(amount) || amount <= 0)
      return res.status(400).json({ code: 'invalid_transfer', message: 'Enter a payee and a positive amount' });
    if (amount > user.balance) return res.status(400).json({ code: 'insufficient_funds', message: 'Not enough money in the account' });
    user.balance = Math.round((user.balance - amount) * 100) / 100;
    const transfer = { id: randomBytes(6).toString('hex'), userId: user.id, to, amount, at: Date.now() };
    transfers.push(transfer);
    res.status(201).json({ transfer, balance: user.balance });
  });

  // Try continuous MFA by hand: the business backend reports activity on this session from another country.
  app.post('/api/simulate-risk', async (req, res, next) => {
    try {
      const user = requireUser(req, res);
      if (!user) return;
      const captured = await meta.ueba.capture({
        originalIdentity: user.id,
        ip: RISKY_IP,
        ua: req.get('user-agent'),
        behaviorType: 'api',
        resourcesType: 'account',
        actionType: 'read',
        behaviorResult: 'success',
      });
      res.json({ published: captured.published.length });
    } catch (error) {
      next(error);
    }
  });

  app.use('/cdn', express.static(options.cdnDir ?? join(here, '..', 'dist', 'cdn'), { fallthrough: false }));
  app.use(express.static(join(here, 'public')));
  app.use((error: unknown, _req: Request, res: Response, _next: unknown) => {
    void _next;
    const status = error instanceof CamfaError && error.unavailable ? 503 : 500;
    res.status(status).json({ code: error instanceof CamfaError ? error.code : 'internal_error', message: 'Something went wrong, try again' });
  });

  // Express 5 hands a listen error (e.g. EADDRINUSE) to this callback instead of leaving it to 'error'.
  const [listenPort, hostname] = [options.port ?? 8787, options.hostname ?? '127.0.0.1'];
  const server: Server = await new Promise((resolve, reject) => {
    const instance = app.listen(listenPort, hostname, (error?: NodeJS.ErrnoException) => {
      if (!error) resolve(instance);
      else if (error.code === 'EADDRINUSE') reject(new Error(`port ${listenPort} on ${hostname} is in use: choose another with PORT`, { cause: error }));
      else reject(error);
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
