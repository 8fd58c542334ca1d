import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, PayloadTooLargeException } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { DocumentTooLargeError } from '../../domain/ingestion.errors';

/**
 * Multer stops reading a file at `ingestion.maxFileBytes` and Nest turns that into a bare 413 "File too
 * large". Placed outside the files interceptor, this gives it the same code and detail as every other size
 * limit of ingestion (INGESTION.TOO_LARGE, naming the limit). Multer's file size is the only limit that
 * surfaces as a 413 here (its file-count and field limits are 400s), so the type alone identifies it.
 */
@Injectable()
export class UploadLimitsInterceptor implements NestInterceptor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  intercept(_ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((e: unknown) =>
        throwError(() =>
          e instanceof PayloadTooLargeException
            ? new DocumentTooLargeError('uploaded file', `${this.config.ingestion.maxFileBytes} bytes`)
            : e,
        ),
      ),
    );
  }
}
