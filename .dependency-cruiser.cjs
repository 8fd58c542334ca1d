/**
 * Layering rules from STYLE.md, checked in CI (npm run lint).
 * - domain imports nothing of Nest, TypeORM, HTTP or other layers;
 * - application does not import infrastructure or interface;
 * - modules talk to each other only through their index.ts.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-plain-ts',
      severity: 'error',
      from: { path: '^src/modules/[^/]+/domain/' },
      to: { path: '(^src/modules/[^/]+/(application|infrastructure|interface)/)|node_modules/(@nestjs|typeorm|express|pg)' },
    },
    {
      name: 'application-not-infrastructure',
      severity: 'error',
      from: { path: '^src/modules/[^/]+/application/' },
      to: { path: '(^src/modules/[^/]+/(infrastructure|interface)/)|node_modules/(typeorm|express|pg)' },
    },
    {
      name: 'no-cross-module-deep-imports',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/.+', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'shared-has-no-business-logic-imports',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^src/modules/' },
    },
    { name: 'no-circular', severity: 'warn', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.spec\\.ts$' },
  },
};
