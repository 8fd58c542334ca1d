import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../errors/domain-error';

/** http.json in the config: limits on every JSON value a request carries. */
export interface JsonInputLimits {
  /** Nesting levels of objects and arrays (a flat object is 1). */
  maxDepth: number;
  /** Object members counted over the whole value. */
  maxKeys: number;
}

/** Lone UTF-16 surrogates: in unicode mode a well-formed pair is one code point and does not match. */
export const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

interface Node {
  value: unknown;
  /** Containers around the value (the top-level value has none). */
  depth: number;
  parent?: Node;
  key?: string | number;
}

function pathOf(node: Node | undefined, root: string): string {
  const parts: string[] = [];
  for (let n = node; n?.parent; n = n.parent) parts.push(typeof n.key === 'number' ? `[${n.key}]` : `.${n.key}`);
  const path = (root + parts.reverse().join('')).replace(/^\./, '');
  return path || root || 'body';
}

/**
 * The one rule for JSON that comes with a request (bodies, JSON form fields and query parameters): at most
 * `maxDepth` levels and `maxKeys` object members, and no string or key holding a lone surrogate (a "\ud800"
 * escape, valid JSON but not Unicode text: Postgres refuses it in jsonb, and text columns would store U+FFFD).
 * Walked with an explicit stack, never recursion, so a value nested 100,000 deep costs a loop, not the stack.
 * `root` prefixes the fields errors name (a form field or parameter name; empty for a body, whose fields are named);
 * `name` is the value in a problem's words (a WebSocket message's fields are `data.message`, the value "The message").
 */
export function jsonInputProblem(value: unknown, limits: JsonInputLimits, root = '', name = root || 'The request body'): DomainError | undefined {
  let keys = 0;
  const stack: Node[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return loneSurrogate(pathOf(node, root), 'contains');
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (node.depth + 1 > limits.maxDepth) {
      return new DomainError(
        'REQUEST.JSON_TOO_DEEP',
        'invalid',
        `${name} nests objects and arrays deeper than ${limits.maxDepth} levels (http.json.maxDepth)`,
        { errors: [{ field: pathOf(node, root), message: `nested deeper than ${limits.maxDepth} levels` }] },
      );
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: node.depth + 1, parent: node, key: i });
      continue;
    }
    for (const key of Object.keys(v)) {
      if (++keys > limits.maxKeys) {
        return new DomainError(
          'REQUEST.JSON_TOO_MANY_KEYS',
          'too_large',
          `${name} has more than ${limits.maxKeys} object keys (http.json.maxKeys)`,
        );
      }
      if (LONE_SURROGATE.test(key)) return loneSurrogate(pathOf(node, root), 'has a key that contains');
      stack.push({ value: (v as Record<string, unknown>)[key], depth: node.depth + 1, parent: node, key });
    }
  }
  return undefined;
}

function loneSurrogate(field: string, what: string): DomainError {
  const message = `${what} a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not Unicode text`;
  return new DomainError('REQUEST.INVALID_TEXT', 'invalid', `${field} ${message}`, { errors: [{ field, message }] });
}

/**
 * Express middleware placed right after the JSON body parser: every parsed JSON body and every query string
 * passes jsonInputProblem before routing, validation or SQL see it. Failures go to the next error handler
 * as DomainErrors (answered as problem+json there).
 */
export function jsonInputGuard(limits: JsonInputLimits) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    // Express 5 leaves req.body undefined unless a body parser parsed one; only the JSON parser is installed.
    const problem = (req.body !== undefined ? jsonInputProblem(req.body, limits) : undefined) ?? jsonInputProblem(req.query, limits);
    next(problem);
  };
}
