import { loadFingerprint } from '../lazy.js';

/** The UA Client Hints the backend's UEBA can use; each is present only where the browser gives it. */
export interface ClientHints {
  brands?: { brand: string; version: string }[];
  mobile?: boolean;
  platform?: string;
  platformVersion?: string;
  architecture?: string;
  bitness?: string;
  model?: string;
  fullVersionList?: { brand: string; version: string }[];
}

/** What `MetadataClient.load()` collects; send it with a login or a UEBA event (`deviceId` is the event field). */
export interface ClientMetadata {
  /** FingerprintJS (open source) visitor id: stable for this browser profile, not across browsers. Absent if it failed. */
  deviceId?: string;
  userAgent: string;
  clientHints?: ClientHints;
  /** Coarse hints from UA-CH or the UA string; the backend derives its own `deviceType`/`systemType`/`browserType` too. */
  deviceType: 'mobile' | 'tablet' | 'desktop';
  systemType?: string;
  browserType?: string;
  /** IANA zone, e.g. `Europe/London`. */
  timezone: string;
  /** Minutes east of UTC now. */
  utcOffset: number;
  language: string;
  languages: string[];
  screen: { width: number; height: number; pixelRatio: number; colorDepth: number };
  touch: boolean;
}

const HIGH_ENTROPY_HINTS = ['architecture', 'bitness', 'model', 'platformVersion', 'fullVersionList'];

/** UA-CH is not in TypeScript's DOM types yet. */
interface NavigatorUAData {
  brands: { brand: string; version: string }[];
  mobile: boolean;
  platform: string;
  getHighEntropyValues(hints: string[]): Promise<ClientHints>;
}

/**
 * Client metadata for risk decisions, collected in the browser (the seed's "collect client metadata"). No
 * IP address: the backend takes it from the connection. Nothing is sent anywhere by this class.
 */
export class MetadataClient {
  private cached: Promise<ClientMetadata> | undefined;

  /** Collects once per instance; later calls answer the same result. */
  load(): Promise<ClientMetadata> {
    this.cached ??= collect();
    return this.cached;
  }
}

async function collect(): Promise<ClientMetadata> {
  const [deviceId, clientHints] = await Promise.all([
    // The device id is a hint, never a reason to fail a login: without it the backend sees a new device.
    loadFingerprint()
      .then(({ visitorId }) => visitorId())
      .catch(() => undefined),
    highEntropyHints(),
  ]);
  const userAgent = navigator.userAgent;
  const touch = navigator.maxTouchPoints > 0;
  const intl = Intl.DateTimeFormat().resolvedOptions();
  return {
    ...(deviceId ? { deviceId } : {}),
    userAgent,
    ...(clientHints ? { clientHints } : {}),
    deviceType: deviceType(userAgent, clientHints, touch),
    ...optional('systemType', clientHints?.platform || systemFromUserAgent(userAgent)),
    ...optional('browserType', browserFromHints(clientHints) ?? browserFromUserAgent(userAgent)),
    timezone: intl.timeZone,
    utcOffset: -new Date().getTimezoneOffset(),
    language: navigator.language,
    languages: [...navigator.languages],
    screen: { width: screen.width, height: screen.height, pixelRatio: devicePixelRatio, colorDepth: screen.colorDepth },
    touch,
  };
}

async function highEntropyHints(): Promise<ClientHints | undefined> {
  const data = (navigator as Navigator & { userAgentData?: NavigatorUAData }).userAgentData;
  if (!data) return undefined;
  const low: ClientHints = { brands: data.brands, mobile: data.mobile, platform: data.platform };
  try {
    return { ...low, ...(await data.getHighEntropyValues(HIGH_ENTROPY_HINTS)) };
  } catch {
    // A permissions policy may refuse high-entropy hints; the low-entropy ones are still worth having.
    return low;
  }
}

const optional = <Key extends string>(key: Key, value: string | undefined) => (value ? ({ [key]: value } as Record<Key, string>) : {});

function deviceType(userAgent: string, hints: ClientHints | undefined, touch: boolean): ClientMetadata['deviceType'] {
  if (/iPad|Tablet/i.test(userAgent) || (/Android/i.test(userAgent) && !/Mobile/i.test(userAgent))) return 'tablet';
  // iPadOS reports a Mac; only the touch screen gives it away.
  if (/Macintosh/i.test(userAgent) && touch) return 'tablet';
  if (hints?.mobile || /Mobi|iPhone|Android/i.test(userAgent)) return 'mobile';
  return 'desktop';
}

const SYSTEMS: [RegExp, string][] = [
  [/Windows/i, 'Windows'],
  [/iPhone|iPad|iPod/i, 'iOS'],
  [/Android/i, 'Android'],
  [/CrOS/i, 'Chrome OS'],
  [/Mac OS X|Macintosh/i, 'macOS'],
  [/Linux/i, 'Linux'],
];

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Microsoft Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
];

const systemFromUserAgent = (userAgent: string) => SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
const browserFromUserAgent = (userAgent: string) => BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];

/** The first real brand (UA-CH lists GREASE brands such as "Not A;Brand" and the engine "Chromium" too). */
function browserFromHints(hints: ClientHints | undefined): string | undefined {
  const brands = (hints?.brands ?? []).map(({ brand }) => brand).filter((brand) => !/not.?a.?brand/i.test(brand));
  return brands.find((brand) => brand !== 'Chromium') ?? brands[0];
}
