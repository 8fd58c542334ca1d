import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UnsupportedMediaTypeException } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

const ACCEPTS_MULTIPART = 'acervo:accepts-multipart';

/** The route also takes multipart/form-data (file uploads) besides JSON. */
export const AcceptsMultipart = () => SetMetadata(ACCEPTS_MULTIPART, true);

/**
 * A route that reads a JSON body (@Body) answers 415 to a body in another media type, naming what it
 * takes: otherwise the body would arrive unparsed and fail validation field by field. It runs after
 * routing, so an unknown route stays a 404 and a route that reads no body ignores one.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<Request>();
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody || req.is('application/json')) return next.handle();
    const multipart = this.reflector.get<boolean>(ACCEPTS_MULTIPART, ctx.getHandler()) === true;
    if (multipart && req.is('multipart/form-data')) return next.handle();
    const args: Record<string, unknown> = Reflect.getMetadata(ROUTE_ARGS_METADATA, ctx.getClass(), ctx.getHandler().name) ?? {};
    const readsJson = Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
    if (!readsJson && !multipart) return next.handle();
    const accepted = multipart ? 'application/json or multipart/form-data' : 'application/json';
    throw new UnsupportedMediaTypeException({
      message: `${req.method} ${req.path} takes ${accepted}, not ${req.headers['content-type'] ?? 'a body without content-type'}`,
      code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    });
  }
}
