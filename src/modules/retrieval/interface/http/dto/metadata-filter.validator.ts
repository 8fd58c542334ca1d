import { ValidateBy, ValidationOptions } from 'class-validator';
import { isMetadataFilter, METADATA_FILTER_RULE } from '../../../domain/chunk';
import { metadataFilterSql } from '../../../infrastructure/vector-stores/pgvector.vector-store';

/** retrieval.filters in the config: how large one metadata filter may be. */
export interface MetadataFilterLimits {
  /** Metadata keys in the filter. */
  maxKeys: number;
  /** Values of all its `in` lists together. */
  maxInValues: number;
  /** SQL bind parameters the filter takes (the protocol allows 65,535 per statement, and cost grows with them). */
  maxParameters: number;
}

export const DEFAULT_METADATA_FILTER_LIMITS: MetadataFilterLimits = { maxKeys: 32, maxInValues: 1000, maxParameters: 4096 };

let configured = DEFAULT_METADATA_FILTER_LIMITS;

/**
 * Sets the limits @IsMetadataFilter() applies (configureApp passes retrieval.filters at boot). Decorators are
 * evaluated when the DTO classes load, before any config exists, so the limits are read at validation time.
 */
export function configureMetadataFilterLimits(limits: MetadataFilterLimits): void {
  configured = { ...limits };
}

/**
 * The one validator of metadata filters, for search and ask `filters` and GET /v1/documents?metadata=:
 * the grammar (METADATA_FILTER_RULE), then the size limits (`name` is the field named in the answer), checked cheapest first so that a filter of
 * 5,000 keys is refused by counting them, before any SQL is built. Returns what is wrong, or undefined.
 */
export function metadataFilterProblem(value: unknown, limits: MetadataFilterLimits = configured, name = 'filters'): string | undefined {
  const rule = METADATA_FILTER_RULE.replace(/^filters/, name);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return rule;
  const keys = Object.keys(value).length;
  if (keys > limits.maxKeys) return `${name} may name at most ${limits.maxKeys} metadata keys, not ${keys} (retrieval.filters.maxKeys)`;
  if (!isMetadataFilter(value)) return rule;
  const inValues = Object.values(value).reduce<number>((n, c) => n + (c && typeof c === 'object' && 'in' in c ? c.in.length : 0), 0);
  if (inValues > limits.maxInValues) {
    return `the "in" lists of ${name} may hold at most ${limits.maxInValues} values together, not ${inValues} (retrieval.filters.maxInValues)`;
  }
  // Counted by the function that builds the SQL, so the count cannot drift from what is bound.
  const parameters: unknown[] = [];
  metadataFilterSql(value, parameters);
  if (parameters.length > limits.maxParameters) {
    return `${name} would take ${parameters.length} SQL parameters, more than ${limits.maxParameters} (retrieval.filters.maxParameters)`;
  }
  return undefined;
}

/** filters: see METADATA_FILTER_RULE (equality, { in: [...] } or a range per metadata key) and MetadataFilterLimits. */
export function IsMetadataFilter(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMetadataFilter',
      validator: {
        validate: (value: unknown) => metadataFilterProblem(value) === undefined,
        defaultMessage: (args) => metadataFilterProblem(args?.value) ?? METADATA_FILTER_RULE,
      },
    },
    options,
  );
}
