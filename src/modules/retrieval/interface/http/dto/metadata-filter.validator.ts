import { ValidateBy, ValidationOptions } from 'class-validator';
import { isMetadataFilter, METADATA_FILTER_RULE } from '../../../domain/chunk';

/** filters: see METADATA_FILTER_RULE (equality, { in: [...] } or a range per metadata key). */
export function IsMetadataFilter(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isMetadataFilter', validator: { validate: isMetadataFilter, defaultMessage: () => `${METADATA_FILTER_RULE}` } },
    options,
  );
}
