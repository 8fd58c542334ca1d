import { createHash } from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import fc from 'fast-check';
import * as jose from 'jose';
import { OPENAI_COMPAT_ROUTE } from '../src/shared/errors/openai-error';
import { startTestApp, TestApp } from './support/app';
import {
  OpenApiDoc,
  Operation,
  operations,
  Parameter,
  requestExample,
  resolve,
  Schema,
} from './support/openapi';

/**
 * Issue 12's fuzz suite, driven by the app's own /docs-json: every route and method of the document (a route
 * added later is fuzzed without touching this file) gets malformed, wrong-typed, oversized, deeply nested and
 * unicode-edge bodies, query strings, path parameters and headers, admin routes without, with a wrong and with
 * the right key. Every answer must come within FUZZ_TIMEOUT_MS and be a 4xx problem+json, or a 2xx the route
 * documents; never a 5xx, a hang, a reset, or a body showing a stack trace or SQL.
 *
 * Seeded and reproducible: FUZZ_SEED (default below) and FUZZ_RUNS (requests per route); each route's seed is
 * derived from FUZZ_SEED and the route, so a new route does not change the others' requests. A failure prints
 * the exact request. A second app in auth.mode required (issue 11) gets random and malformed credentials on every
 * route: garbage, alg none, wrong signatures, expired or foreign tokens, revoked keys, huge headers. The network is never reached: URLs are ones the SSRF guard refuses or invalid ones, model
 * providers are the offline ones, and a DNS lookup of anything but localhost fails the suite.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 12_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const TIMEOUT_MS = Number(process.env.FUZZ_TIMEOUT_MS ?? 15_000);
const ADMIN_KEY = 'chave-admin-do-fuzz';

/** What a body must never show: a stack frame, a file of ours or a dependency's, SQL or a driver error. */
const LEAKS = [
  /\bat Object\./,
  /\bat \S+ \(\S+:\d+:\d+\)/,
  /node_modules/,
  /\.ts:\d+/,
  /SELECT /,
  /INSERT INTO/,
  /syntax error at/,
  /QueryFailedError/,
  /invalid input syntax/,
];

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface FuzzAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

/** The path as a client puts it on the wire: bytes outside printable ASCII percent-encoded (as UTF-8), the rest as generated. */
function wirePath(path: string): string {
  return path.replace(/[^\u0021-\u007e]+/g, (run) =>
    encodeURIComponent(run.replace(/[\ud800-\udfff]/g, '\ufffd')),
  );
}

/** One request on a fresh connection, with a deadline; a reset or a hang rejects. */
function send(port: number, r: FuzzRequest): Promise<FuzzAnswer> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: r.method,
        path: wirePath(r.path),
        headers: r.headers,
        agent: false,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(parts).toString('utf8'),
            ms: Date.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(r.body);
  });
}

/** The request as a curl command line (bodies over 2 KB summarized with their length and sha256). */
function describeRequest(port: number, r: FuzzRequest): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const headers = Object.entries(r.headers)
    .map(([k, v]) => `-H ${q(`${k}: ${v.length > 200 ? `${v.slice(0, 100)}…(${v.length} chars)` : v}`)}`)
    .join(' ');
  let body = '';
  if (r.body) {
    body =
      r.body.length <= 2048
        ? ` --data-binary ${q(JSON.stringify(r.body.toString('latin1')).slice(1, -1))} # JSON-escaped latin1 bytes`
        : ` --data-binary @body # ${r.body.length} bytes, sha256 ${createHash('sha256').update(r.body).digest('hex')}, starts ${JSON.stringify(r.body.subarray(0, 200).toString('latin1'))}`;
  }
  const path = r.path.length > 600 ? `${r.path.slice(0, 300)}…(${r.path.length} chars)` : r.path;
  return `curl -X ${r.method} ${q(`http://127.0.0.1:${port}${wirePath(path)}`)} ${headers}${body}`;
}

// ---- values -------------------------------------------------------------------------------------------------

const UNICODE_EDGES = [
  '\ud800',
  'a\udc00b',
  '\udfff\ud800',
  '\u0000',
  'a\u0000b',
  '\u202Eabc\u202C',
  '\u200F\u200E',
  '\u200B\u200D\u2060',
  '\ufeff',
  '\uffff',
  '\ufffe',
  '\u{10FFFF}',
  '👩‍👩‍👧‍👦',
  '👍🏽',
  '🏳️‍🌈',
  'e\u0301',
  'Z' + '\u0336\u0334\u0337'.repeat(60),
  'ﷺ',
  'ǅ',
  'İı',
  'ß',
  '\u0085\u2028\u2029',
  '\u001b[31mred',
  '\r\n',
  '\t',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  "'; DROP TABLE documents; --",
  '../../etc/passwd',
  '%00',
  '${jndi:ldap://x}',
  'férias',
  'ação',
  '',
];

const unicodeString = fc.oneof(
  fc.constantFrom(...UNICODE_EDGES),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom(...UNICODE_EDGES), { maxLength: 6 }).map((a) => a.join('')),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

/** Long strings: some past every maxLength (2000) and near or past the body limit. */
const longString = fc
  .tuple(
    fc.constantFrom(1_999, 2_001, 5_000, 70_000, 600_000, 1_200_000),
    fc.constantFrom('a', 'é', '😀', ' ', '\u0301', 'x\u0000'),
  )
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)));

const numberEdge = fc.constantFrom(
  0,
  -0,
  -1,
  1,
  0.5,
  1e20,
  -1e20,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  2 ** 31,
  2 ** 53 + 1,
  5e-324,
  2_147_483_647,
  2_147_483_648,
);

/** Nested arrays/objects: within, at and past http.json.maxDepth (32), and thousands deep. */
const nestedValue = fc
  .tuple(fc.constantFrom(2, 31, 32, 33, 100, 5_000), fc.boolean())
  // a placeholder that jsonString expands: a value thousands deep would overflow the stack of whatever walks it here
  .map(([levels, arrays]) => `\u0000nest:${levels}:${arrays ? '[' : '{'}`);

/** JSON text of a generated value, nested placeholders expanded. */
function jsonString(v: unknown): string {
  return (JSON.stringify(v) ?? 'null').replace(/"\\u0000nest:(\d+):([[{])"/g, (_, n: string, open: string) =>
    open === '['
      ? '['.repeat(Number(n)) + '1' + ']'.repeat(Number(n))
      : '{"a":'.repeat(Number(n)) + '1' + '}'.repeat(Number(n)),
  );
}

const manyKeys = fc
  .constantFrom(33, 999, 1_001, 5_000)
  .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: unicodeString },
  { weight: 2, arbitrary: numberEdge },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      [],
      {},
      [null],
      { in: [] },
      { gte: 'a', lt: 1 },
      { in: [1, '1', null, {}] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: nestedValue },
  { weight: 1, arbitrary: longString },
  { weight: 1, arbitrary: manyKeys },
  { weight: 1, arbitrary: fc.dictionary(unicodeString, fc.oneof(unicodeString, numberEdge), { maxKeys: 5 }) },
);

/** URLs the SSRF guard refuses before connecting (special-purpose and own addresses) or that are no URL at all. */
const refusedUrl = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('http', 'https', 'HTTP', 'ftp', 'file', 'gopher', 'javascript', 'data', 'ws'),
      fc.constantFrom(
        '127.0.0.1',
        '127.1',
        '2130706433',
        '0x7f.1',
        '0',
        '0.0.0.0',
        '[::1]',
        '[::]',
        '[::ffff:127.0.0.1]',
        '[::ffff:7f00:1]',
        '10.0.0.1',
        '169.254.169.254',
        '172.16.0.1',
        '192.168.1.1',
        '100.64.0.1',
        '192.0.2.1',
        '198.51.100.7',
        '203.0.113.9',
        '192.88.99.1',
        '224.0.0.1',
        '255.255.255.255',
        '[fe80::1]',
        '[fc00::1]',
        '[2001:db8::1]',
        '[64:ff9b::7f00:1]',
        'localhost',
        'user:pass@127.0.0.1',
        'a:b@[::1]',
      ),
      fc.constantFrom('', ':0', ':80', ':65535', ':99999'),
      fc.oneof(
        fc.constant('/'),
        unicodeString.map((s) => `/${encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))}`),
        longString.map((s) => `/${s.slice(0, 20_000)}`),
      ),
    )
    .map(([scheme, host, port, path]) => `${scheme}://${host}${port}${path}`),
  fc.constantFrom(
    '',
    ' ',
    'http://',
    'https://[::1',
    'http://[',
    '//127.0.0.1/',
    'http:/127.0.0.1',
    'mailto:a@b.c',
    'http://%00/',
    'http://\u0000/',
    'not a url',
    'http://exa mple/',
  ),
  unicodeString.filter((s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)),
);

/** Collection names: valid fresh ones, the default, and invalid ones. */
const collectionName = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }).map((n) => `fuzz-${n.toString(36)}`),
  fc.constant('default'),
  fc.constantFrom(
    '',
    'A',
    '-x',
    'x'.repeat(64),
    'Coleção',
    'a b',
    'a/b',
    '..',
    'pg_catalog',
    'default\u0000',
  ),
  unicodeString,
);

// ---- bodies ----------------------------------------------------------------------------------------------

/** Fields the fuzzer must keep off the network whatever it generates (the offline value replaces the others). */
function offline(path: string, body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const b = { ...(body as Record<string, unknown>) };
  if (
    path.endsWith('/models/llm') &&
    typeof b.provider === 'string' &&
    b.provider !== 'extractive' &&
    /^(openai|groq|ollama)$/.test(b.provider)
  )
    b.provider = 'extractive';
  if (
    path.endsWith('/models/embedder') &&
    typeof b.provider === 'string' &&
    /^(openai|ollama|transformers)$/.test(b.provider)
  )
    b.provider = 'hashing';
  for (const key of ['options']) {
    const o = b[key];
    if (o && typeof o === 'object' && !Array.isArray(o) && 'baseUrl' in o)
      b[key] = { ...o, baseUrl: 'http://127.0.0.1:9/v1' };
  }
  return b;
}

/** A schema-conforming value with some edge (fresh collections, unicode within maxLength, numbers within bounds). */
function validValue(doc: OpenApiDoc, schema: Schema | undefined, name: string): fc.Arbitrary<unknown> {
  const s = resolve(doc, schema);
  if (!s) return fc.constant(undefined);
  if (name === 'collection' || name === 'collections') {
    const one = fc.integer({ min: 0, max: 1_000_000 }).map((n) => `fuzz-${n.toString(36)}`);
    return s.type === 'array'
      ? fc.array(one, { minLength: 1, maxLength: 3 })
      : fc.oneof(one, fc.constant('default'));
  }
  if (name === 'url') return refusedUrl;
  if (s.enum?.length) return fc.constantFrom(...s.enum);
  const ex = s.example ?? s.default;
  if (s.type === 'string') {
    const max = (s as { maxLength?: number }).maxLength ?? 2000;
    return fc.oneof(
      ex === undefined ? fc.constant('texto') : fc.constant(ex),
      unicodeString.map((u) => `${String(ex ?? 'texto')} ${u}`.slice(0, max)),
    );
  }
  if (s.type === 'number' || s.type === 'integer') {
    const min = (s as { minimum?: number }).minimum ?? 0;
    const max = (s as { maximum?: number }).maximum ?? Math.max(min, 10);
    return fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, min + 100)) });
  }
  if (s.type === 'boolean') return fc.boolean();
  if (ex !== undefined) return fc.constant(ex);
  return fc.constant(undefined);
}

type Mutation = (body: Record<string, unknown>) => fc.Arbitrary<unknown>;

/** JSON bodies for one operation: valid enough ones, and each kind of bad input, from its schema. */
function jsonBodies(doc: OpenApiDoc, path: string, op: Operation): fc.Arbitrary<unknown> {
  const media = op.requestBody?.content['application/json'];
  const schema = resolve(doc, media?.schema);
  const props = Object.entries(schema?.properties ?? {});
  let example: Record<string, unknown> = {};
  try {
    example = requestExample(doc, op, path);
  } catch {
    example = {};
  }
  const names = props.map(([k]) => k);
  const valid = fc
    .record(Object.fromEntries(props.map(([k, p]) => [k, validValue(doc, p, k)])), {
      requiredKeys: schema?.required ?? [],
    })
    .map((b) => ({
      ...example,
      ...Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)),
    }));
  const field = names.length ? fc.constantFrom(...names) : fc.constant('x');
  const mutations: Mutation[] = [
    (b) => collectionName.map((c) => ({ ...b, collection: c })), // valid, default and invalid collection names
    (b) => fc.tuple(field, anyJson).map(([k, v]) => ({ ...b, [k]: v })), // wrong-typed, odd, nested, oversized field
    (b) => fc.tuple(field, unicodeString).map(([k, v]) => ({ ...b, [k]: v })),
    (b) => fc.tuple(field, longString).map(([k, v]) => ({ ...b, [k]: v })),
    (b) => fc.tuple(field, nestedValue).map(([k, v]) => ({ ...b, [k]: v })),
    (b) => fc.tuple(unicodeString, anyJson).map(([k, v]) => ({ ...b, [k]: v })), // unknown field
    (b) => field.map((k) => Object.fromEntries(Object.entries(b).filter(([n]) => n !== k))), // missing field
    // own __proto__ / constructor members, as JSON.parse makes them (a literal `__proto__:` would set the prototype)
    (b) =>
      fc.constant({
        ...(JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}') as object),
        ...b,
      }),
    () => anyJson, // not an object at all
    (b) =>
      fc
        .tuple(fc.constantFrom('filters', 'metadata', 'options'), manyKeys)
        .map(([k, v]) => ({ ...b, [k]: v })),
  ];
  return fc
    .oneof(
      { weight: 2, arbitrary: valid },
      { weight: 5, arbitrary: valid.chain((b) => fc.oneof(...mutations.map((m) => m(b)))) },
    )
    .map((b) => offline(path, b));
}

interface BodyChoice {
  contentType?: string;
  extraHeaders?: Record<string, string>;
  body?: Buffer;
}

const jsonText = (v: unknown) => Buffer.from(jsonString(v));

/** Raw bodies: malformed JSON, wrong media types and charsets, content encodings, multipart forms and files. */
function rawBodies(op: Operation): fc.Arbitrary<BodyChoice> {
  const malformed = fc.constantFrom(
    '{',
    '{"title": "x",',
    '[',
    '{"a":1}}',
    "{'a': 1}",
    '{"a": NaN}',
    '{"a": 1e999}',
    'nul',
    '\ufeff{"a":1}',
    '{"a":"\\ud800"}',
    '{"a":"\\u00"}',
    '{"__proto__": {"polluted": 1}}',
    '{"a": 1, "a": 2}',
    '',
    ' ',
    '\u0000',
    '{"' + 'a'.repeat(10) + '": "' + '\\'.repeat(3) + '"}',
    '['.repeat(100_000),
  );
  const bytes = fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b));
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/json; charset=nonsense',
    'text/plain',
    'text/html',
    'application/xml',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    'application/problem+json',
    'application/vnd.api+json',
    'multipart/form-data',
    'multipart/form-data; boundary=',
    'application/json;;;',
    '*/*',
    'garbage',
    'application/' + 'j'.repeat(300),
  );
  const encoding = fc.constantFrom(
    undefined,
    undefined,
    undefined,
    'gzip',
    'deflate',
    'br',
    'identity',
    'compress',
    'x-garbage',
  );
  const simple = fc
    .tuple(
      contentType,
      fc.oneof(
        malformed.map((s) => Buffer.from(s)),
        bytes,
        anyJson.map(jsonText),
      ),
      encoding,
    )
    .map(([ct, body, enc]): BodyChoice => ({
      contentType: ct,
      body,
      extraHeaders: enc ? { 'content-encoding': enc } : undefined,
    }));
  const multipart = multipartBodies(op);
  const none = fc.constant<BodyChoice>({});
  return fc.oneof(
    { weight: 4, arbitrary: simple },
    { weight: 3, arbitrary: multipart },
    { weight: 1, arbitrary: none },
  );
}

/** multipart/form-data built by hand (so it can be wrong): fields, files with odd names, types and contents. */
function multipartBodies(op: Operation): fc.Arbitrary<BodyChoice> {
  const form = op.requestBody?.content['multipart/form-data']?.schema?.properties ?? {};
  const fieldName = fc.oneof(
    fc.constantFrom(...Object.keys(form), 'files', 'file', 'metadata', 'text_columns', 'collection'),
    unicodeString,
  );
  const csv = fc
    .tuple(
      fc.array(fc.oneof(fc.constantFrom('nome', 'texto', 'id', 'Genres'), unicodeString), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.integer({ min: 0, max: 20 }),
    )
    .map(
      ([cols, rows]) =>
        `${cols.map((c) => JSON.stringify(c)).join(',')}\n${Array.from({ length: rows }, (_, i) => cols.map((c) => `${i} ${c}`).join(',')).join('\n')}`,
    );
  const fileContent = fc.oneof(
    unicodeString,
    csv,
    anyJson.map(jsonString),
    fc.constantFrom(
      '%PDF-1.4 quebrado',
      'PK\u0003\u0004 not a zip',
      '<html><body>' + '<div>'.repeat(5000) + 'x</body></html>',
      '# título\n\n' + 'texto '.repeat(50),
    ),
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.constantFrom(900_000, 1_100_000).map((n) => 'palavra '.repeat(n / 8)),
  );
  const fileName = fc.oneof(
    fc.constantFrom(
      'a.txt',
      'b.csv',
      'c.json',
      'd.md',
      'e.html',
      'f.pdf',
      'g.docx',
      'h.exe',
      'noext',
      '.csv',
      '../../etc/passwd.txt',
      'a.txt\u0000.exe',
      'ç😀.txt',
      'x'.repeat(300) + '.txt',
    ),
    unicodeString.map((s) => `${s}.csv`),
  );
  const fieldValue = fc.oneof(
    unicodeString,
    anyJson.map(jsonString),
    fc.constantFrom('nome,texto', 'inexistente', 'nome', '{"a":1}', '{"a":"\\ud800"}'),
  );
  const part = fc.oneof(
    fc.tuple(fieldName, fieldValue).map(([n, v]) => ({ name: n, value: v })),
    fc
      .tuple(
        fc.constantFrom('files', 'file', 'outro'),
        fileName,
        fc.constantFrom(
          'text/plain',
          'text/csv',
          'application/json',
          'application/pdf',
          'application/octet-stream',
          '',
        ),
        fileContent,
      )
      .map(([n, f, t, v]) => ({ name: n, filename: f, type: t, value: v })),
  );
  return fc
    .tuple(
      fc.array(part, { maxLength: 5 }),
      fc.constantFrom('fuzzb0undary', 'x', '-'.repeat(70)),
      fc.constantFrom('ok', 'ok', 'ok', 'truncated', 'no-end', 'wrong-boundary'),
    )
    .map(([parts, boundary, shape]) => {
      const q = (s: string) => s.replace(/["\r\n]/g, '_');
      const chunks = parts.map((p) =>
        Buffer.concat([
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${q(p.name)}"${'filename' in p ? `; filename="${q(p.filename!)}"` : ''}\r\n`,
          ),
          Buffer.from('filename' in p && p.type ? `Content-Type: ${p.type}\r\n` : ''),
          Buffer.from(`\r\n`),
          Buffer.from(p.value, 'filename' in p ? 'latin1' : 'utf8'),
          Buffer.from('\r\n'),
        ]),
      );
      let body = Buffer.concat([...chunks, Buffer.from(shape === 'no-end' ? '' : `--${boundary}--\r\n`)]);
      if (shape === 'truncated') body = body.subarray(0, Math.floor(body.length / 2));
      return {
        contentType: `multipart/form-data; boundary=${shape === 'wrong-boundary' ? 'other' : boundary}`,
        body,
      };
    });
}

// ---- query strings, path parameters, headers --------------------------------------------------------------

const enc = (s: string) =>
  encodeURIComponent(s.replace(/[\ud800-\udfff]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)).replace(
    /%25([0-9a-f]{4})/g,
    '%$1',
  );

/** A query parameter's raw value: schema-valid, numeric edges, arrays, objects, unicode, invalid escapes. */
function queryPairs(params: Parameter[]): fc.Arbitrary<string> {
  const names = params.filter((p) => p.in === 'query').map((p) => p.name);
  const name = fc.oneof(
    { weight: 4, arbitrary: names.length ? fc.constantFrom(...names) : fc.constant('q') },
    { weight: 1, arbitrary: unicodeString.map(enc) },
  );
  const raw = fc.oneof(
    fc.constantFrom(
      '1e20',
      '-1',
      'NaN',
      'Infinity',
      '-Infinity',
      '-0',
      '0x10',
      '1.5',
      '',
      ' ',
      '9'.repeat(400),
      '2147483648',
      '2147483647',
      '1e-400',
      '0',
      '20',
      'true',
      'null',
      '[]',
      '{}',
    ),
    fc.constantFrom(
      '%',
      '%zz',
      '%ED%A0%80',
      '%C0%AF',
      '%00',
      '%FF%FE',
      '%E2%80%AE',
      '%F0%9F%98%80',
      '%u0041',
    ),
    unicodeString.map(enc),
    anyJson.map((v) => enc(jsonString(v))),
    fc
      .constantFrom(
        '{"equipe":"suporte"}',
        '{"ano":{"gte":2025}}',
        '{"a":{"in":[1,2]}}',
        '{"a":"\\ud800"}',
        '{"a":{"in":[]}}',
        '{"a":{"gte":{}}}',
        '{"a":[[[]]]}',
      )
      .map(enc),
  );
  const pair = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(name, raw).map(([n, v]) => `${n}=${v}`) },
    { weight: 1, arbitrary: fc.tuple(name, raw, raw).map(([n, a, b]) => `${n}=${a}&${n}=${b}`) }, // array
    { weight: 1, arbitrary: fc.tuple(name, raw).map(([n, v]) => `${n}[]=${v}`) },
    { weight: 1, arbitrary: fc.tuple(name, raw).map(([n, v]) => `${n}[a][b][c][d][e][f]=${v}`) }, // object
    { weight: 1, arbitrary: name.map((n) => n) }, // no value
    {
      weight: 1,
      arbitrary: fc.constantFrom('&&&', '=', '==x', `${'a='.repeat(2000)}a`, 'a=' + 'b'.repeat(12_000)),
    },
  );
  return fc.array(pair, { maxLength: 4 }).map((pairs) => (pairs.length ? `?${pairs.join('&')}` : ''));
}

/** A path parameter: a UUID (known or not), or anything a client could put there. */
function pathValue(known: () => string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.uuid().map((u) => u) },
    {
      weight: 1,
      arbitrary: fc
        .nat()
        .map((i) => known()[i % Math.max(1, known().length)] ?? '00000000-0000-4000-8000-000000000000'),
    },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.constantFrom(
          '00000000-0000-0000-0000-000000000000',
          'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
          '{00000000-0000-4000-8000-000000000000}',
          '1',
          '-1',
          '1e20',
          'null',
          '..',
          '.',
          '%2e%2e',
          '%2F',
          '..%2F..%2Fetc%2Fpasswd',
          '%00',
          '%',
          '%zz',
          '%ED%A0%80',
          'a'.repeat(20_000),
        ),
        unicodeString.map(enc),
      ),
    },
  );
}

const headerValue = fc.oneof(
  fc.constantFrom('', ' ', 'x', '\t', 'é', 'ÿ\u0080', 'a'.repeat(8_000), 'a'.repeat(20_000), '*/*', 'null'),
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c === 0x7f ? 0x20 : c)),
    maxLength: 50,
  }),
);

/** Headers a client could send: odd accept, request ids, encodings, expectations, huge ones (past 16 KB in total). */
const headerSets = fc.record(
  {
    accept: fc.oneof(
      fc.constantFrom(
        'application/json',
        'text/event-stream',
        'application/xml',
        'text/html',
        'application/problem+json',
        '*/*;q=0',
        'image/png',
        ';;;',
        'text/*, application/*;q=0.1',
      ),
      headerValue,
    ),
    'x-request-id': fc.oneof(
      fc.constantFrom('req-1', 'a'.repeat(129), 'a b', 'ü', '../x', '<script>'),
      headerValue,
    ),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', 'x-garbage', '*'),
    'accept-language': headerValue,
    expect: fc.constantFrom('100-continue', 'something-else'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'garbage', '127.0.0.1, ::1', 'a'.repeat(300)),
    'x-huge': fc.constantFrom(1_000, 1_000, 1_000, 15_000, 17_000, 40_000).map((n) => 'h'.repeat(n)),
    cookie: headerValue,
    range: fc.constantFrom('bytes=0-10', 'bytes=-1', 'bytes=99999999999999999999-', 'garbage'),
  },
  { requiredKeys: [] },
);

const adminKey = fc.constantFrom<Record<string, string>>(
  {},
  { 'x-api-key': ADMIN_KEY },
  { 'x-api-key': ADMIN_KEY },
  { authorization: `Bearer ${ADMIN_KEY}` },
  { 'x-api-key': '' },
  { 'x-api-key': ADMIN_KEY.slice(0, -1) },
  { 'x-api-key': `${ADMIN_KEY} ` },
  { 'x-api-key': ADMIN_KEY.toUpperCase() },
  { authorization: 'Bearer' },
  { authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}` },
  { authorization: `bearer ${ADMIN_KEY}x` },
  { 'x-api-key': 'a'.repeat(10_000) },
  { 'x-api-key': 'chave-ä' },
);

// ---- the checks ------------------------------------------------------------------------------------------

/** The OpenAI-compatible routes answer errors in OpenAI's shape, with the status and acervo's code (ARCHITECTURE deviation 45). */
function openAiViolation(a: FuzzAnswer, type: string): string | undefined {
  if (!type.startsWith('application/json')) return `a ${a.status} with content-type "${type}", not OpenAI's JSON error`;
  let e: Record<string, unknown> | undefined;
  try {
    e = (JSON.parse(a.text) as { error?: Record<string, unknown> }).error;
  } catch {
    return `a ${a.status} whose body is not JSON`;
  }
  if (!e || typeof e.message !== 'string' || typeof e.type !== 'string') return 'an OpenAI error without message/type';
  if (typeof e.code !== 'string' || !/^[A-Z]+\.[A-Z0-9_]+$/.test(e.code)) return `OpenAI error code ${String(e.code)}`;
  if ('stack' in e) return 'an error with a stack';
  return undefined;
}

/** Why an answer breaks the rules, or undefined. */
function violation(op: Operation, req: FuzzRequest, a: FuzzAnswer): string | undefined {
  if (a.status >= 500) return `status ${a.status}`;
  const requestText = `${req.path} ${JSON.stringify(req.headers)} ${req.body?.toString('utf8') ?? ''}`;
  const leak = LEAKS.find((re) => re.test(a.text) && !re.test(requestText));
  if (leak) return `the body shows ${leak}`;
  const type = String(a.headers['content-type'] ?? '');
  // what Node's HTTP parser refuses is answered before any route is known: problem+json everywhere (client-errors.ts)
  const parserRefused = type.startsWith('application/problem+json') && /"code":"REQUEST\.(MALFORMED|URI_TOO_LONG|HEADERS_TOO_LARGE|TIMEOUT)"/.test(a.text);
  if (a.status >= 400 && !parserRefused && OPENAI_COMPAT_ROUTE.test(req.path.split('?')[0])) return openAiViolation(a, type);
  if (a.status >= 400) {
    if (!type.startsWith('application/problem+json'))
      return `a ${a.status} with content-type "${type}", not problem+json`;
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(a.text) as Record<string, unknown>;
    } catch {
      return `a ${a.status} whose body is not JSON`;
    }
    if (p.status !== a.status) return `problem status ${String(p.status)} on a ${a.status}`;
    if (typeof p.code !== 'string' || !/^[A-Z]+\.[A-Z0-9_]+$/.test(p.code))
      return `problem code ${String(p.code)}`;
    if (typeof p.detail !== 'string' || typeof p.title !== 'string' || typeof p.type !== 'string')
      return 'problem without detail/title/type';
    if ('stack' in p) return 'problem with a stack';
    return undefined;
  }
  if (a.status >= 300 || a.status < 200) return `status ${a.status}`;
  const documented = Object.keys(op.responses).filter((s) => s.startsWith('2'));
  if (!documented.includes(String(a.status)))
    return `a ${a.status}, not a documented 2xx (${documented.join(', ')})`;
  if (type.startsWith('text/event-stream')) {
    const failed = /event: error\ndata: (.*)\n/.exec(a.text);
    if (failed && Number((JSON.parse(failed[1]) as { status?: number }).status) >= 500)
      return `a stream that ended with a 5xx error event: ${failed[1]}`;
  }
  return undefined;
}

describe('fuzz: every route of /docs-json answers bad input with a 4xx problem+json', () => {
  let t: TestApp;
  let port: number;
  let doc: OpenApiDoc;
  const histogram = new Map<number, number>();
  let requests = 0;
  const lookups: string[] = [];
  const created: string[] = [];
  const started = Date.now();
  const realLookup = dns.lookup;

  beforeAll(async () => {
    // The network is out of reach: a lookup of any name but localhost (or an address) is recorded and fails.
    (dns as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]) => {
      if (host === 'localhost' || isIP(host))
        return (realLookup as (...a: unknown[]) => unknown)(host, ...rest);
      lookups.push(host);
      const cb = rest[rest.length - 1] as (e: Error) => void;
      const e: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${host}`);
      e.code = 'ENOTFOUND';
      process.nextTick(() => cb(e));
    };
    // URL ingestion as in production: loopback and private ranges refused
    t = await startTestApp({
      admin: { apiKey: ADMIN_KEY },
      ingestion: { url: { allowPrivateNetworks: false } },
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    doc = (await t.http.get('/docs-json').expect(200)).body as OpenApiDoc;
    await t.http
      .post('/v1/documents')
      .send({ title: 'Sentinela', text: 'Trinta dias de férias por ano.', collection: 'fuzz-sentinel' })
      .expect(201);
  });

  afterAll(async () => {
    (dns as { lookup: unknown }).lookup = realLookup;
    const statuses = [...histogram.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
    // The figures docs/BENCHMARKS.md records ("Reliability: fuzz").
    process.stdout.write(
      `\nfuzz: seed ${SEED}, ${RUNS} runs per route, ${requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${statuses.join(', ')}\n`,
    );
    await t?.close();
  });

  /** After each route: no lookup left the host, the service is live and ready, and the sentinel is found. */
  const expectAlive = async () => {
    expect(lookups).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await t.http.get('/health/live')).status).toBe(200);
    const ready = await t.http.get('/health/ready');
    expect({ status: ready.status, body: ready.body }).toMatchObject({ status: 200 });
    const res = await t.http
      .post('/v1/search')
      .send({ query: 'férias', collection: 'fuzz-sentinel', mode: 'text' });
    expect(res.status).toBe(200);
    expect(res.body.hits[0]?.title).toBe('Sentinela');
  };

  const routeSeed = (route: string) =>
    createHash('sha256').update(`${SEED} ${route}`).digest().readInt32LE(0);

  it(
    'fuzzes every route and method of the document',
    async () => {
      const ops = operations(doc);
      const failures: string[] = [];
      expect(ops.length).toBeGreaterThanOrEqual(16);
      for (const { path, method, op } of ops) {
        const route = `${method.toUpperCase()} ${path}`;
        const params = op.parameters ?? [];
        const hasBody = !!op.requestBody;
        const isAdmin = path.startsWith('/v1/admin/');
        const bodyChoice: fc.Arbitrary<BodyChoice> = hasBody
          ? fc.oneof(
              {
                weight: op.requestBody!.content['application/json'] ? 3 : 0,
                arbitrary: jsonBodies(doc, path, op).map((b) => ({
                  contentType: 'application/json',
                  body: jsonText(b),
                })),
              },
              { weight: 2, arbitrary: rawBodies(op) },
            )
          : fc.oneof(
              { weight: 4, arbitrary: fc.constant<BodyChoice>({}) },
              { weight: 1, arbitrary: rawBodies(op) },
            );
        const pathParams = Object.fromEntries(
          params.filter((p) => p.in === 'path').map((p) => [p.name, pathValue(() => created)]),
        );
        // Valid-enough parts around one fuzzed part (so bad input meets the code behind the checks), and all parts fuzzed at once.
        const parts = {
          params: fc.record(pathParams),
          query: queryPairs(params),
          headers: headerSets,
          auth: isAdmin
            ? adminKey
            : fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: adminKey }),
          body: bodyChoice,
        };
        const calm = {
          params: fc.record(
            Object.fromEntries(
              Object.keys(pathParams).map((k) => [
                k,
                fc.oneof(
                  fc.uuid(),
                  pathValue(() => created),
                ),
              ]),
            ),
          ),
          query: fc.constant(''),
          headers: fc.constant({}),
          auth: isAdmin ? fc.constant({ 'x-api-key': ADMIN_KEY }) : fc.constant({}),
          body:
            hasBody && op.requestBody!.content['application/json']
              ? jsonBodies(doc, path, op).map((b) => ({ contentType: 'application/json', body: jsonText(b) }))
              : fc.constant<BodyChoice>({}),
        };
        const focused = (Object.keys(parts) as Array<keyof typeof parts>).map((k) =>
          fc.record({ ...calm, [k]: parts[k] } as typeof parts),
        );
        const request = fc
          .oneof(...focused, fc.record(parts))
          .map(({ params: values, query, headers, auth, body }): FuzzRequest => {
            const url = path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? '') + query;
            const h: Record<string, string> = { ...headers, ...auth, ...body.extraHeaders };
            if (body.contentType !== undefined) h['content-type'] = body.contentType;
            const r: FuzzRequest = { method: method.toUpperCase(), path: url, headers: h, body: body.body };
            // fast-check prints a counterexample with this: the request as a command line, not 20 KB of JSON
            return Object.assign(r, { [fc.toStringMethod]: () => describeRequest(port, r) });
          });
        // A failing route is reported and the others are still fuzzed: one run shows every broken route.
        await fc
          .assert(
            fc.asyncProperty(request, async (req) => {
              let answer: FuzzAnswer;
              try {
                answer = await send(port, req);
              } catch (e) {
                throw new Error(
                  `${route}: no answer (${(e as Error).message}) to\n  ${describeRequest(port, req)}`,
                );
              }
              requests++;
              histogram.set(answer.status, (histogram.get(answer.status) ?? 0) + 1);
              if (answer.status === 201 && req.method === 'POST' && path === '/v1/documents') {
                const body = JSON.parse(answer.text) as { id?: string; documents?: Array<{ id: string }> };
                created.push(...(body.id ? [body.id] : (body.documents ?? []).map((d) => d.id)));
              }
              const why = violation(op, req, answer);
              if (why)
                throw new Error(
                  `${route}: ${why} (${answer.ms} ms) to\n  ${describeRequest(port, req)}\n  answer: ${answer.text.slice(0, 600)}`,
                );
            }),
            { seed: routeSeed(route), numRuns: RUNS, endOnFailure: true },
          )
          .catch((e: Error) =>
            failures.push(
              `${e.message.split('\n').slice(0, 2).join(' ')}\n${(e.cause as Error | undefined)?.message ?? e.message}`,
            ),
          );
        await expectAlive();
      }
      expect(failures).toEqual([]);
    },
    20 * 60_000,
  );
});

const JWT_SECRET = 'segredo-do-fuzz-com-mais-de-32-bytes!!';
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

describe('fuzz: in auth.mode required, a bad credential is a 401 (or 400/431) problem+json on every route, never a 5xx', () => {
  let t: TestApp;
  let port: number;
  let doc: OpenApiDoc;
  let requests = 0;
  const histogram = new Map<number, number>();
  /** Credentials that are not valid, each as the headers that carry it. */
  let invalid: Array<Record<string, string>> = [];
  let userKey = '';

  beforeAll(async () => {
    t = await startTestApp({ admin: { apiKey: ADMIN_KEY }, auth: { mode: 'required', jwt: { secret: JWT_SECRET, audience: 'acervo', issuer: 'fuzz' } } });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    doc = (await t.http.get('/docs-json').expect(200)).body as OpenApiDoc;
    const admin = { 'x-api-key': ADMIN_KEY };
    userKey = (await t.http.post('/v1/admin/keys').set(admin).send({ role: 'user', user_id: 'fuzz' }).expect(201)).body.key;
    const revoked = (await t.http.post('/v1/admin/keys').set(admin).send({ role: 'admin' }).expect(201)).body;
    await t.http.delete(`/v1/admin/keys/${revoked.id}`).set(admin).expect(204);
    const sign = (claims: jose.JWTPayload, secret = JWT_SECRET, exp: number | string = '5m', aud = 'acervo') =>
      new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('fuzz').setAudience(aud).setExpirationTime(exp).sign(new TextEncoder().encode(secret));
    const good = await sign({ sub: 'fuzz', roles: ['admin'] });
    const [h, p] = good.split('.');
    const tokens = [
      await sign({ sub: 'fuzz', roles: ['admin'] }, 'outro-segredo-com-mais-de-32-bytes!!!'), // wrong signature
      await sign({ sub: 'fuzz' }, JWT_SECRET, Math.floor(Date.now() / 1000) - 3600), // expired
      await sign({ sub: 'fuzz' }, JWT_SECRET, '5m', 'another-api'), // wrong audience
      await sign({ roles: ['admin'] }), // no sub
      await sign({ sub: 42 as unknown as string }), // sub not a string
      [b64({ alg: 'none', typ: 'JWT' }), p, ''].join('.'), // alg none
      [b64({ alg: 'none' }), p].join('.') + '.',
      [b64({ alg: 'HS512', typ: 'JWT' }), p, good.split('.')[2]].join('.'),
      [b64({ alg: 'RS256', kid: '../../etc/passwd' }), p, 'c2ln'].join('.'),
      [h, b64({ sub: 'admin', roles: ['admin'] }), good.split('.')[2]].join('.'), // tampered payload
      [b64('not json'), b64('nor this'), 'x'].join('.'),
      [h, b64({ sub: 'x'.repeat(6000) }), 'x'].join('.'),
      '..',
      'a.b.c',
      '.'.repeat(2),
      `${h}.${p}`,
      `${good}.extra`,
      good.slice(0, -2),
    ];
    invalid = [
      { 'x-api-key': 'acv_' + 'A'.repeat(43) },
      { 'x-api-key': revoked.key },
      { authorization: `Bearer ${revoked.key}` },
      { 'x-api-key': 'acv_' },
      { 'x-api-key': userKey.slice(0, -1) },
      { 'x-api-key': `${userKey}x` },
      { 'x-api-key': 'a'.repeat(10_000) },
      { 'x-api-key': 'h'.repeat(20_000) }, // past the 16 KB head: 431
      { authorization: `Bearer ${'a.'.repeat(9_000)}a` }, // huge: 431
      { authorization: 'Bearer a.'.padEnd(14_000, 'b') + '.c' },
      ...tokens.map((tk) => ({ authorization: `Bearer ${tk}` })),
      ...tokens.slice(0, 4).map((tk) => ({ 'x-api-key': tk })),
    ];
  });
  afterAll(async () => {
    process.stdout.write(`\nfuzz (auth required): ${requests} requests; statuses ${[...histogram.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ')}\n`);
    await t?.close();
  });

  /** Random garbage in the credential headers, on top of the crafted ones. */
  const garbage = fc.oneof(
    fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).map((c) => String.fromCharCode(c === 0x7f ? 0x21 : c)), minLength: 1, maxLength: 300 }).map((v) => ({ 'x-api-key': v })),
    fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 300 }).map((v) => ({ authorization: `Bearer ${v}` })),
    fc.tuple(fc.base64String({ maxLength: 200 }), fc.base64String({ maxLength: 400 }), fc.base64String({ maxLength: 100 })).map((parts) => ({ authorization: `Bearer ${parts.join('.')}` })),
    fc.constantFrom<Record<string, string>>(
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: 'Bearer     ' },
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { authorization: 'Digest username="x"' },
      { authorization: 'bearer' },
      { authorization: ' ' },
      { 'x-api-key': ' ' },
      { authorization: 'Bearer a b c' },
    ),
  );

  it('answers every route with a 401/400/431 problem+json for a bad credential, 403 for a user key on admin routes', async () => {
    const ops = operations(doc).filter(({ path }) => !path.startsWith('/health'));
    const failures: string[] = [];
    for (const { path, method, op } of ops) {
      const route = `${method.toUpperCase()} ${path}`;
      const body = op.requestBody?.content['application/json'] ? jsonBodies(doc, path, op).map((b) => jsonText(b)) : fc.constant(undefined);
      const credential = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...invalid).map((headers) => ({ headers, kind: 'invalid' as const })) },
        { weight: 2, arbitrary: garbage.map((headers) => ({ headers, kind: 'invalid' as const })) },
        { weight: 1, arbitrary: fc.constant({ headers: {}, kind: 'none' as const }) },
        { weight: path.startsWith('/v1/admin/') ? 1 : 0, arbitrary: fc.constant({ headers: { 'x-api-key': userKey }, kind: 'user-on-admin' as const }) },
      );
      const request = fc.tuple(credential, body, fc.uuid()).map(([c, b, id]) => {
        const r: FuzzRequest = {
          method: method.toUpperCase(),
          path: path.replace(/\{[^}]+\}/g, id),
          headers: { ...c.headers, ...(b ? { 'content-type': 'application/json' } : {}) },
          body: b,
        };
        return Object.assign({ r, kind: c.kind }, { [fc.toStringMethod]: () => describeRequest(port, r) });
      });
      await fc
        .assert(
          fc.asyncProperty(request, async ({ r, kind }) => {
            const a = await send(port, r).catch((e: Error) => {
              throw new Error(`${route}: no answer (${e.message}) to\n  ${describeRequest(port, r)}`);
            });
            requests++;
            histogram.set(a.status, (histogram.get(a.status) ?? 0) + 1);
            const allowed = kind === 'user-on-admin' ? [400, 403, 413] : [400, 401, 413, 431];
            // A 400 or 413 is the body's (read before any credential): malformed, too deep, too large.
            const bodyRefused = (a.status === 400 || a.status === 413) && !/"code":"REQUEST\./.test(a.text);
            const why =
              violation(op, r, a) ??
              (allowed.includes(a.status) && !bodyRefused ? undefined : `a ${a.status} for a ${kind} credential (expected ${allowed.join('/')}, a 400/413 only from the body)`);
            if (why) throw new Error(`${route}: ${why} to\n  ${describeRequest(port, r)}\n  answer: ${a.text.slice(0, 600)}`);
          }),
          { seed: createHash('sha256').update(`${SEED} auth ${route}`).digest().readInt32LE(0), numRuns: Math.max(10, Math.round(RUNS / 8)), endOnFailure: true },
        )
        .catch((e: Error) => failures.push(`${e.message.split('\n').slice(0, 2).join(' ')}\n${(e.cause as Error | undefined)?.message ?? e.message}`));
    }
    expect(failures).toEqual([]);
    // The crafted credentials are each tried somewhere, and none ever got through.
    expect(histogram.get(401)).toBeGreaterThan(ops.length);
    await t.http.get('/v1/admin/keys').set('x-api-key', ADMIN_KEY).expect(200);
  }, 10 * 60_000);
});
