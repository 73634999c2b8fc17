import { readFileSync } from 'node:fs';
import { Reader, type CityResponse } from 'maxmind';
import type { GeoProvider } from './geo.js';

/** A user-supplied GeoLite2-City or DB-IP City `.mmdb` file, read once into memory at start. */
export function maxmindProvider(file: string): GeoProvider {
  const reader = new Reader<CityResponse>(readFileSync(file));
  return {
    lookup(ip) {
      const record = reader.get(ip);
      if (!record) return null;
      return {
        country: record.country?.iso_code ?? null,
        province: record.subdivisions?.[0]?.iso_code ?? null,
        city: record.city?.names?.en ?? null,
        latitude: record.location?.latitude ?? null,
        longitude: record.location?.longitude ?? null,
      };
    },
  };
}
