import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditRecorder } from './audit.recorder';

/** The audit log: AuditRecorder for any module (global), the interceptor behind @Audited(), GET /v1/admin/audit. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditRecorder, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
  exports: [AuditRecorder],
})
export class AuditModule {}
