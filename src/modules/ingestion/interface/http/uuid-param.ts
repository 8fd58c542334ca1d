import { BadRequestException, ParseUUIDPipe } from '@nestjs/common';

/** The pipe of an `:id` path parameter: anything but a UUID is 400 REQUEST.VALIDATION naming the field. */
export function uuidParam(): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new BadRequestException({ message: 'id must be a UUID', code: 'REQUEST.VALIDATION', errors: [{ field: 'id', message: 'must be a UUID' }] }),
  });
}
