import { ValidateBy, ValidationOptions } from 'class-validator';

const isPrimitive = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);

/** filters: { key: value } or { key: { in: [values] } }, values being strings, numbers or booleans. */
export function IsMetadataFilter(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMetadataFilter',
      validator: {
        validate: (value: unknown) =>
          !!value &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          Object.entries(value as object).every(
            ([k, v]) =>
              k.length > 0 &&
              k.length <= 128 &&
              (isPrimitive(v) ||
                (!!v &&
                  typeof v === 'object' &&
                  Object.keys(v).length === 1 &&
                  Array.isArray((v as { in?: unknown }).in) &&
                  (v as { in: unknown[] }).in.length > 0 &&
                  (v as { in: unknown[] }).in.length <= 100 &&
                  (v as { in: unknown[] }).in.every(isPrimitive))),
          ),
        defaultMessage: () =>
          'filters must map metadata keys to a string, number or boolean, or to { "in": [values] } (1-100 values)',
      },
    },
    options,
  );
}
