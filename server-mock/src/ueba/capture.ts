import type { RegisteredApp } from '../apps/registry.js';
import type { Config } from '../config/schema.js';
import { uuidv7 } from '../ids.js';
import type { Metrics } from '../metrics.js';
import type { Storage } from '../storage/types.js';
import { verifyDeviceToken } from '../tokens/device-token.js';
import type { KeyStore } from '../tokens/keys.js';
import type { Clock } from '../types.js';
import type { MfaEvent, UebaEvent } from '../protocol/index.js';
import type { PolicyService } from '../workflows/service.js';
import { enrichEvent, parseCidrs } from './enrich.js';
import type { GeoProvider } from './geo.js';
import type { UebaEventInputParsed } from './schema.js';

export interface CaptureOptions {
  config: Pick<Config, 'intranetCidrs'>;
  /** The live apps: an app created or removed after the start is served (or not) at once. */
  apps: ReadonlyMap<string, RegisteredApp>;
  storage: Storage;
  geo: GeoProvider;
  keys: KeyStore;
  /** The issuer of the trusted-device tokens an input may carry. */
  publicUrl: string;
  clock: Clock;
  metrics: Metrics;
  policies: PolicyService;
}

/**
 * Where a client's behaviour becomes a stored UEBA event: the UEBA endpoint, every login attempt and a
 * step-up started with metadata. `enrich` derives the backend's own fields (geo, intranet, UA, a checked
 * deviceToken), `record` also stores the event, and `capture` then runs the app's event-mode workflows.
 */
export class CaptureService {
  /** Parsed once per app object: a changed app is a new object, so its entry is simply never read again. */
  private readonly cidrsByApp = new WeakMap<RegisteredApp, ReturnType<typeof parseCidrs>>();
  private readonly globalCidrs: ReturnType<typeof parseCidrs>;

  constructor(private readonly options: CaptureOptions) {
    this.globalCidrs = parseCidrs(options.config.intranetCidrs);
  }

  /** The config's intranet CIDRs plus the app's own. */
  private intranetCidrsOf(appId: string): ReturnType<typeof parseCidrs> {
    const app = this.options.apps.get(appId);
    if (!app?.intranetCidrs?.length) return this.globalCidrs;
    let cidrs = this.cidrsByApp.get(app);
    if (!cidrs) this.cidrsByApp.set(app, (cidrs = parseCidrs([...this.options.config.intranetCidrs, ...app.intranetCidrs])));
    return cidrs;
  }

  /** The stored event of `appId` for a client's input: its deviceToken checked for this user and device, then dropped. */
  async enrich(appId: string, { deviceToken, ...input }: UebaEventInputParsed, id?: string): Promise<UebaEvent> {
    const { keys, publicUrl, clock, geo } = this.options;
    const eventId = id ?? uuidv7(clock());
    const trustedDevice =
      deviceToken !== undefined &&
      input.deviceId !== undefined &&
      (await verifyDeviceToken({
        token: deviceToken,
        keys,
        issuer: publicUrl,
        clock,
        binding: { appId, originalIdentity: input.originalIdentity, deviceId: input.deviceId },
      }));
    return enrichEvent(input, { id: eventId, appId, now: clock(), geo, intranetCidrs: this.intranetCidrsOf(appId), trustedDevice });
  }

  /** Enriches and stores the event (durable before the caller answers); no workflow runs. */
  async record(appId: string, input: UebaEventInputParsed): Promise<UebaEvent> {
    const event = await this.enrich(appId, input);
    await this.options.storage.insertEvent(event);
    return event;
  }

  /** A captured event (`POST /v1/ueba/events`): recorded, counted, then judged by the app's event-mode workflows. */
  async capture({ appId, input }: { appId: string; input: UebaEventInputParsed }): Promise<{ event: UebaEvent; published: MfaEvent[] }> {
    const event = await this.record(appId, input);
    this.options.metrics.eventsCaptured.inc();
    return { event, published: await this.options.policies.onCapture(event) };
  }
}
