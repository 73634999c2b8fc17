import type { GeoLocation } from '../ueba/geo.js';

/** Documentation-range addresses (RFC 5737) mapped to places, so tests never depend on a real database. */
export const PLACES = {
  london: { ip: '198.51.100.10', geo: { country: 'GB', province: 'ENG', city: 'London', latitude: 51.5072, longitude: -0.1276 } },
  manchester: { ip: '198.51.100.11', geo: { country: 'GB', province: 'ENG', city: 'Manchester', latitude: 53.4808, longitude: -2.2426 } },
  shanghai: { ip: '203.0.113.20', geo: { country: 'CN', province: 'SH', city: 'Shanghai', latitude: 31.2304, longitude: 121.4737 } },
  newYork: { ip: '192.0.2.30', geo: { country: 'US', province: 'NY', city: 'New York', latitude: 40.7128, longitude: -74.006 } },
  office: { ip: '10.20.30.40', geo: null },
} satisfies Record<string, { ip: string; geo: GeoLocation | null }>;

export const GEO_TABLE: Record<string, GeoLocation> = Object.fromEntries(
  Object.values(PLACES)
    .filter((place) => place.geo !== null)
    .map((place) => [place.ip, place.geo as GeoLocation]),
);

export const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** A controllable clock: tests move time instead of sleeping. */
export function manualClock(start = Date.parse('2026-11-23T12:00:00Z')) {
  let now = start;
  const clock = () => now;
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
  });
}
