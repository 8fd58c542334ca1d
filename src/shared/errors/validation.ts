import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { FieldError } from './domain-error';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

export function validationFailed(list: FieldError[]): BadRequestException {
  return new BadRequestException({
    message: `Request validation failed: ${list.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    code: 'REQUEST.VALIDATION',
    errors: list,
  });
}

/** A JSON body of [] or "x" is valid JSON but no DTO: one clear error instead of one per missing field. */
export function requireObjectBody(value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw validationFailed([{ field: 'body', message: 'the request body must be a JSON object' }]);
  }
}

class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) requireObjectBody(value ?? {}); // no body: field errors
    return super.transform(value, metadata);
  }
}

/** class-validator pipe whose failures become problem+json with errors[] (400, code REQUEST.VALIDATION). */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });
}

/**
 * Validates a value against a DTO class outside the global pipe: for routes whose clients send fields we do
 * not know (the OpenAI-compatible API: unknown fields are dropped, not refused) and for WebSocket messages.
 * Failures are the pipe's 400 REQUEST.VALIDATION.
 */
export async function validateDto<T extends object>(cls: new () => T, value: unknown, opts: { allowUnknown: boolean }): Promise<T> {
  requireObjectBody(value);
  const instance = plainToInstance(cls, value);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: !opts.allowUnknown });
  if (errors.length) throw validationFailed(flatten(errors));
  return instance;
}
