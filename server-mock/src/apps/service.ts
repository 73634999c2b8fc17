import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { appFactorsSchema, appSchema, failModeSchema } from '../config/schema.js';
import { DomainError } from '../errors.js';
import { identifier } from '../identifier.js';
import type { Storage, StoredAppRecord } from '../storage/types.js';
import type { Clock } from '../types.js';
import type { ConsoleApp } from '../protocol/index.js';
import { hashSecret, storedApp, switchedOnFactors, type AppRegistry, type RegisteredApp } from './registry.js';
import { CONSOLE_APP_ID } from '../console/definition.js';

const settings = {
  // The config's rules, plus no control characters: a NUL is a 500 on PostgreSQL and stored as-is on SQLite.
  name: identifier(128).pipe(appSchema.shape.name.unwrap()),
  origins: appSchema.shape.origins.unwrap(),
  factors: appFactorsSchema,
  trustDeviceDays: appSchema.shape.trustDevice.unwrap().shape.ttlDays.nullable(),
  failMode: failModeSchema.nullable(),
};

/** `POST …/apps`: a new app. Absent factors: every factor; absent trustDeviceDays: not offered; absent failMode: the config's. */
export const createAppInput = z.strictObject({
  id: appSchema.shape.id,
  name: settings.name,
  origins: settings.origins.default([]),
  factors: settings.factors.optional(),
  trustDeviceDays: settings.trustDeviceDays.optional(),
  failMode: settings.failMode.optional(),
});

/** `PATCH …/apps/:id`: only what it names changes; null resets trustDeviceDays (not offered) and failMode (the config's). */
export const updateAppInput = z
  .strictObject({
    name: settings.name,
    origins: settings.origins,
    factors: settings.factors,
    trustDeviceDays: settings.trustDeviceDays,
    failMode: settings.failMode,
  })
  .partial();

export type CreateAppInput = z.output<typeof createAppInput>;
export type UpdateAppInput = z.output<typeof updateAppInput>;

/** What a change did, for the caller's audit log. */
export interface AppChange {
  before: ConsoleApp | null;
  after: ConsoleApp | null;
}

export interface AppServiceOptions {
  registry: AppRegistry;
  storage: Storage;
  clock: Clock;
  /** The config's global `failMode`, shown for apps without their own. */
  failMode: 'open' | 'closed';
}

/** 32 random bytes: 43 characters of base64url, past the 32 the config asks of a secret. */
const newSecret = () => randomBytes(32).toString('base64url');

/**
 * Apps created at run time (console, admin API): create, edit with optimistic concurrency, rotate the
 * secret, remove. Config apps are listed but read-only. Every verb writes storage first and then tells the
 * registry, so the change is in force on this instance when the verb returns and on the others a moment later.
 */
export class AppService {
  constructor(private readonly options: AppServiceOptions) {}

  /** Every app but the console's own, which is built in: nothing here may change how administrators sign in. */
  list(): ConsoleApp[] {
    return [...this.options.registry.apps.values()].filter((app) => app.id !== CONSOLE_APP_ID).map((app) => this.view(app));
  }

  get(id: string): ConsoleApp {
    const app = id === CONSOLE_APP_ID ? undefined : this.options.registry.apps.get(id);
    if (!app) throw new DomainError('unknown_app', `No app "${id}"`);
    return this.view(app);
  }

  /** The secret is in the answer once and nowhere else: only its hash is stored. */
  async create(input: CreateAppInput): Promise<AppChange & { after: ConsoleApp; secret: string }> {
    const { storage, registry, clock } = this.options;
    if (registry.apps.has(input.id)) throw appExists(input.id);
    const secret = newSecret();
    const now = clock();
    const record: StoredAppRecord = {
      id: input.id,
      name: input.name,
      origins: input.origins,
      factors: input.factors ?? null,
      trustDeviceDays: input.trustDeviceDays ?? null,
      failMode: input.failMode ?? null,
      secretHash: hashSecret(secret).toString('base64url'),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await storage.insertApp(record))) throw appExists(input.id);
    await registry.changed();
    return { before: null, after: this.get(input.id), secret };
  }

  /** Applies `changes` only if the app is still at `expectedVersion`; otherwise `edit_conflict` and nothing changes. */
  async update(id: string, expectedVersion: number, changes: UpdateAppInput): Promise<AppChange & { before: ConsoleApp; after: ConsoleApp }> {
    const { record, before } = await this.editable(id, expectedVersion);
    await this.replace({
      ...record,
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.origins === undefined ? {} : { origins: changes.origins }),
      ...(changes.factors === undefined ? {} : { factors: changes.factors }),
      ...(changes.trustDeviceDays === undefined ? {} : { trustDeviceDays: changes.trustDeviceDays }),
      ...(changes.failMode === undefined ? {} : { failMode: changes.failMode }),
    });
    return { before, after: this.get(id) };
  }

  /** A new secret; the old one is refused from the moment this returns (on other instances once they hear of it). */
  async rotateSecret(id: string, expectedVersion?: number): Promise<AppChange & { after: ConsoleApp; secret: string }> {
    const { record, before } = await this.editable(id, expectedVersion);
    const secret = newSecret();
    await this.replace({ ...record, secretHash: hashSecret(secret).toString('base64url') });
    return { before, after: this.get(id), secret };
  }

  async remove(id: string, expectedVersion?: number): Promise<AppChange & { before: ConsoleApp; after: null }> {
    const { before } = await this.editable(id, expectedVersion);
    if (!(await this.options.storage.deleteApp(id))) throw new DomainError('unknown_app', `No app "${id}"`);
    await this.options.registry.changed();
    return { before, after: null };
  }

  /** The stored app behind `id` at `expectedVersion` (any version when absent), refusing config apps. */
  private async editable(id: string, expectedVersion: number | undefined): Promise<{ record: StoredAppRecord; before: ConsoleApp }> {
    if (this.options.registry.apps.get(id)?.source === 'config') {
      throw new DomainError('app_read_only', `App "${id}" comes from the config file; change it there`);
    }
    const record = await this.options.storage.getApp(id);
    if (!record) throw new DomainError('unknown_app', `No app "${id}"`);
    if (expectedVersion !== undefined && record.version !== expectedVersion) throw editConflict(id, record.version);
    return { record, before: this.view(storedApp(record)) };
  }

  /** Stores the next version, compare-and-set against the one read, so of two racing edits exactly one wins. */
  private async replace(record: StoredAppRecord): Promise<void> {
    const next = { ...record, version: record.version + 1, updatedAt: this.options.clock() };
    if (!(await this.options.storage.replaceApp(next, record.version))) {
      const current = await this.options.storage.getApp(record.id);
      if (!current) throw new DomainError('unknown_app', `No app "${record.id}"`);
      throw editConflict(record.id, current.version);
    }
    await this.options.registry.changed();
  }

  private view(app: RegisteredApp): ConsoleApp {
    return {
      id: app.id,
      name: app.name ?? app.id,
      origins: app.origins,
      factors: [...switchedOnFactors(app)],
      trustDeviceDays: app.trustDevice?.ttlDays ?? null,
      failMode: app.failMode ?? this.options.failMode,
      source: app.source,
      version: app.version,
    };
  }
}

function appExists(id: string): DomainError {
  return new DomainError('app_exists', `An app "${id}" already exists`);
}

function editConflict(id: string, currentVersion: number): DomainError {
  return new DomainError('edit_conflict', `App "${id}" was changed meanwhile (now version ${currentVersion}); reload it and edit again`, { currentVersion });
}
