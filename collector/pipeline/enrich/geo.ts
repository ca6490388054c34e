import type { CityResponse } from 'maxmind';
import { importOptional } from '../../optional-import';

export interface GeoLocation {
  country?: string;
  region?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
  timezone?: string;
}

export type GeoLookup = (ip: string) => GeoLocation | undefined;

/** Opens a MaxMind GeoIP2/GeoLite2 City or Country database; `maxmind` loads only when configured. */
export async function openGeoDatabase(path: string): Promise<GeoLookup> {
  const { open } = await importOptional(() => import('maxmind'), 'maxmind', 'geo (the MaxMind database)');
  const reader = await open<CityResponse>(path, { watchForUpdates: false });
  return (ip) => {
    let hit: CityResponse | null;
    try {
      hit = reader.get(ip);
    } catch {
      return undefined; // not an address the database can read
    }
    if (!hit) return undefined;
    const location: GeoLocation = {};
    const country = hit.country?.iso_code ?? hit.registered_country?.iso_code;
    if (country) location.country = country;
    const region = hit.subdivisions?.[0];
    if (region) location.region = region.names?.en ?? region.iso_code;
    if (hit.city?.names?.en) location.city = hit.city.names.en;
    if (hit.location?.latitude !== undefined) location.latitude = hit.location.latitude;
    if (hit.location?.longitude !== undefined) location.longitude = hit.location.longitude;
    if (hit.location?.time_zone) location.timezone = hit.location.time_zone;
    return Object.keys(location).length > 0 ? location : undefined;
  };
}
