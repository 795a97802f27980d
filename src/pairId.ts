import { normalizeArmId, parseCollectionId } from './domain/armIds';
import { normalizeRegion } from './domain/regions';

/**
 * The pair id in `GET /api/protection/{pair}`: the source collection id and the region, base64url-encoded,
 * so that the pair can be read without listing anything. Case-normalised, so one pair has one id.
 */
export function pairIdFor(sourceCollectionId: string, targetRegion: string): string {
  return Buffer.from(`${normalizeArmId(sourceCollectionId)}|${targetRegion.toLowerCase()}`, 'utf8').toString(
    'base64url',
  );
}

/** The pair an id names; undefined for anything that is not an id this API made. */
export function parsePairId(id: string): { sourceCollectionId: string; targetRegion: string } | undefined {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(id)) {
    return undefined;
  }
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const separator = text.lastIndexOf('|');
  const region = normalizeRegion(text.slice(separator + 1));
  const collection = parseCollectionId(text.slice(0, separator));
  if (separator < 0 || region === undefined || !collection.ok) {
    return undefined;
  }
  const pair = { sourceCollectionId: text.slice(0, separator), targetRegion: region };
  // Only the canonical spelling: one pair, one id.
  return pairIdFor(pair.sourceCollectionId, pair.targetRegion) === id ? pair : undefined;
}
