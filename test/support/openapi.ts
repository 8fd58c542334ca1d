/** The OpenAPI document served at /docs-json, as the tests read it (test/openapi.e2e-spec.ts, test/fuzz.e2e-spec.ts). */

export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  nullable?: boolean;
  example?: unknown;
  default?: unknown;
}
export interface Example {
  summary?: string;
  value: unknown;
}
export interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, Example>;
}
export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, Example>;
}
export interface Operation {
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { description?: string; content?: Record<string, MediaType> }>;
}
export interface OpenApiDoc {
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

export function resolve(doc: OpenApiDoc, s: Schema | undefined): Schema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 10; i++)
    cur = doc.components.schemas[cur.$ref.replace('#/components/schemas/', '')];
  return cur;
}

export const MISSING = Symbol('no example');

/**
 * The body Swagger UI puts in "Try it out" when the media type has no example of its own: every property,
 * each from its example (else default, else first enum value). A property with none of those would go out
 * as a placeholder ("string", 0, {"additionalProp1": {}}): reported in `missing`.
 */
export function sampleFromSchema(
  doc: OpenApiDoc,
  schema: Schema | undefined,
  path: string,
  missing: string[],
): unknown {
  const s = resolve(doc, schema);
  if (!s) return MISSING;
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (s.enum?.length) return s.enum[0];
  if (s.properties) {
    return Object.fromEntries(
      Object.entries(s.properties).map(([k, p]) => [k, sampleFromSchema(doc, p, `${path}.${k}`, missing)]),
    );
  }
  if (s.type === 'array' && s.items) return [sampleFromSchema(doc, s.items, `${path}[]`, missing)];
  missing.push(path);
  return MISSING;
}

/** What "Try it out" sends for a JSON body: the first named example, else the example, else the sample. */
export function requestExample(
  doc: OpenApiDoc,
  op: Operation,
  where: string,
  missing: string[] = [],
): Record<string, unknown> {
  const media = op.requestBody?.content['application/json'];
  if (!media) throw new Error(`${where} has no JSON request body`);
  if (media.examples) return Object.values(media.examples)[0].value as Record<string, unknown>;
  if (media.example !== undefined) return media.example as Record<string, unknown>;
  return sampleFromSchema(doc, media.schema, where, missing) as Record<string, unknown>;
}

export function operations(doc: OpenApiDoc): Array<{ path: string; method: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}
