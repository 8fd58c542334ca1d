import { ArgumentMetadata } from '@nestjs/common';
import { IsObject, IsOptional, IsString } from 'class-validator';
import { createValidationPipe, validateDto } from './validation';

class NoteDto {
  @IsString()
  title!: string;

  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

/** The pipe's marker for a key it escaped (validation.ts ESCAPE): a walk of an object renames such a key. */
const ESCAPED_CONSTRUCTOR = '\u0000acervo:constructor';

describe('the validation pipe and uploaded files', () => {
  const pipe = createValidationPipe();
  const files: ArgumentMetadata = { type: 'custom', metatype: Array, data: undefined };

  it('hands a multi-MB file Buffer back as the same object without reading its keys (one string per byte froze the process)', async () => {
    const buffer = Buffer.alloc(8 * 1024 * 1024, 0x61);
    // A key a walk would rename: if the pipe enumerated the Buffer's keys (8M of them), this one would become `constructor`.
    Object.defineProperty(buffer, ESCAPED_CONSTRUCTOR, { value: 'marker', enumerable: true, configurable: true, writable: true });
    const file = { fieldname: 'files', originalname: 'big.txt', mimetype: 'text/plain', size: buffer.length, buffer };

    const result = (await pipe.transform([file], files)) as (typeof file)[];

    expect(result[0].buffer).toBe(buffer);
    expect(Object.getOwnPropertyDescriptor(buffer, ESCAPED_CONSTRUCTOR)?.value).toBe('marker');
    expect(Object.prototype.hasOwnProperty.call(buffer, 'constructor')).toBe(false);
    expect(result[0]).toMatchObject({ originalname: 'big.txt', size: 8 * 1024 * 1024 });
  });

  it('leaves a Date and a typed array unread but still gives escaped keys back inside plain objects and DTOs', async () => {
    const when = new Date(0);
    const bytes = new Uint8Array(4);
    Object.defineProperty(bytes, ESCAPED_CONSTRUCTOR, { value: 1, enumerable: true, configurable: true, writable: true });
    const plain = (await pipe.transform({ when, bytes, nested: [{ constructor: 'x', toString: 'y' }] }, { type: 'custom', metatype: Object })) as Record<string, unknown>;
    expect(plain.when).toBe(when);
    expect(plain.bytes).toBe(bytes);
    expect(Object.getOwnPropertyDescriptor(bytes, ESCAPED_CONSTRUCTOR)?.value).toBe(1);
    expect(Object.getOwnPropertyDescriptor((plain.nested as object[])[0], 'constructor')?.value).toBe('x');

    const dto = (await pipe.transform({ title: 't', metadata: { constructor: 'c', valueOf: 1 } }, { type: 'body', metatype: NoteDto })) as NoteDto;
    expect(dto).toBeInstanceOf(NoteDto);
    expect(Object.getOwnPropertyDescriptor(dto.metadata, 'constructor')?.value).toBe('c');
    expect(Object.getOwnPropertyDescriptor(dto.metadata, 'valueOf')?.value).toBe(1);

    const direct = await validateDto(NoteDto, { title: 't', metadata: { prototype: { a: 1 } } }, { allowUnknown: false });
    expect(Object.getOwnPropertyDescriptor(direct.metadata, 'prototype')?.value).toEqual({ a: 1 });
  });
});
