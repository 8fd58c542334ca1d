import { ValidateBy, ValidationOptions } from 'class-validator';
import { RANGE_OPERATORS } from '../../../domain/chunk';

const isPrimitive = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
const isBound = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 256);

function isCondition(v: unknown): boolean {
  if (isPrimitive(v)) return true;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const entries = Object.entries(v);
  if (entries.length === 1 && entries[0][0] === 'in') {
    const list = entries[0][1];
    return Array.isArray(list) && list.length > 0 && list.length <= 100 && list.every(isPrimitive);
  }
  // A range: one to four of gt/gte/lt/lte, all numbers or all strings.
  return (
    entries.length > 0 &&
    entries.every(([op, bound]) => (RANGE_OPERATORS as readonly string[]).includes(op) && isBound(bound)) &&
    new Set(entries.map(([, bound]) => typeof bound)).size === 1
  );
}

/**
 * filters: { key: value }, { key: { in: [values] } } or { key: { gt|gte|lt|lte: bound, ... } }, values
 * being strings, numbers or booleans and bounds all numbers or all strings.
 */
export function IsMetadataFilter(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMetadataFilter',
      validator: {
        validate: (value: unknown) =>
          !!value &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          Object.entries(value as object).every(([k, v]) => k.length > 0 && k.length <= 128 && isCondition(v)),
        defaultMessage: () =>
          'filters must map metadata keys to a string, number or boolean, to { "in": [values] } (1-100 values), ' +
          'or to a range such as { "gte": 8, "lt": 9 } (gt, gte, lt, lte; bounds all numbers or all strings)',
      },
    },
    options,
  );
}
