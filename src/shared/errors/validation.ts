import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError } from './domain-error';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** class-validator pipe whose failures become problem+json with errors[] (400, code REQUEST.VALIDATION). */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return new BadRequestException({
        message: `Request validation failed: ${list.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
        code: 'REQUEST.VALIDATION',
        errors: list,
      });
    },
  });
}
