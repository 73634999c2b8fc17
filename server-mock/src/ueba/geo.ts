import { createRequire } from 'node:module';

export interface GeoLocation {
  country: string | null;
  province: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
}

/** Looks an IP up offline. Implementations must not reach the network. */
export interface GeoProvider {
  lookup(ip: string): GeoLocation | null;
}

interface GeoipLiteRecord {
  country: string;
  region: string;
  city: string;
  ll: [number, number];
}

/**
 * The default provider: geoip-lite's database ships inside its npm package (GeoLite2-derived).
 * Loaded on first use, not at import, because it takes ~100 ms and ~100 MB that tests with a
 * fixture provider never need.
 */
export function geoipLiteProvider(): GeoProvider {
  let db: { lookup(ip: string): GeoipLiteRecord | null } | undefined;
  return {
    lookup(ip) {
      db ??= createRequire(import.meta.url)('geoip-lite');
      const record = db!.lookup(ip);
      if (!record) return null;
      return {
        country: record.country || null,
        province: record.region || null,
        city: record.city || null,
        latitude: record.ll?.[0] ?? null,
        longitude: record.ll?.[1] ?? null,
      };
    },
  };
}

/** A fixed table keyed by exact IP, for tests, demos and `policy simulate`. */
export function fixtureGeoProvider(table: Record<string, GeoLocation>): GeoProvider {
  return { lookup: (ip) => table[ip] ?? null };
}

export const noGeoProvider: GeoProvider = { lookup: () => null };
