import { PiiDetector } from './pii-detector';

const MAX_DEPTH = 8;

/**
 * A copy of a log argument with personal data masked (`[CPF]`, `[EMAIL]`) in every string it holds: plain
 * objects and arrays are walked, errors are copied with their message, stack and own string fields masked
 * (prototype kept, so the err serializer still sees an error). Other class instances (requests, responses,
 * streams) are left alone: their serializers pick the few fields that are logged.
 */
export function maskLogValue(detector: PiiDetector, value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return detector.mask(value);
  if (!value || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => maskLogValue(detector, v, depth + 1));
  if (value instanceof Error) {
    const copy = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(value)) {
      copy[key] = maskLogValue(detector, (value as unknown as Record<string, unknown>)[key], depth + 1);
    }
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskLogValue(detector, v, depth + 1);
  return out;
}
