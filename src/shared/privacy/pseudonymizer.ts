import { PiiDetector, PiiMatch, PLACEHOLDER_RE } from './pii-detector';

/** Same identifier, same placeholder: digits only for numbers, lower case for e-mail. */
function normalize(m: PiiMatch): string {
  if (m.kind === 'EMAIL') return `EMAIL:${m.value.toLowerCase()}`;
  const digits = m.value.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
  return `${m.kind}:${/^(CPF|CNPJ|CARD|PHONE)$/.test(m.kind) ? digits : m.value}`;
}

/**
 * Reversible masking for one request: each identifier becomes a numbered placeholder (`[CPF_1]`,
 * `[EMAIL_1]`, `[CPF_2]`), the same identifier the same placeholder every time it appears; `restore` puts
 * the originals back into what the provider answered. The map lives only as long as this object.
 */
export class Pseudonymizer {
  private readonly byKey = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly detector: PiiDetector) {}

  /** How many distinct identifiers were replaced so far. */
  get size(): number {
    return this.byPlaceholder.size;
  }

  mask(text: string): string {
    return this.detector.mask(text, (m) => {
      const key = normalize(m);
      let placeholder = this.byKey.get(key);
      if (!placeholder) {
        const n = (this.counters.get(m.kind) ?? 0) + 1;
        this.counters.set(m.kind, n);
        placeholder = `[${m.kind}_${n}]`;
        this.byKey.set(key, placeholder);
        this.byPlaceholder.set(placeholder, m.value);
      }
      return placeholder;
    });
  }

  /** Masks every string inside a JSON-like value (tool arguments), returning a copy. */
  maskDeep<T>(value: T): T {
    return mapStrings(value, (s) => this.mask(s));
  }

  /** Placeholders this request issued are replaced by their originals; anything else is left as written. */
  restore(text: string): string {
    if (this.byPlaceholder.size === 0 || !text.includes('[')) return text;
    return text.replace(PLACEHOLDER_RE, (p) => this.byPlaceholder.get(p) ?? p);
  }

  restoreDeep<T>(value: T): T {
    return mapStrings(value, (s) => this.restore(s));
  }

  /** A restorer for a streamed answer, whose deltas may cut a placeholder in two. */
  streamRestorer(): StreamRestorer {
    return new StreamRestorer(this);
  }
}

/** Longest placeholder kept back while waiting for its closing bracket. */
const MAX_PLACEHOLDER = 48;

/**
 * Restores placeholders across streamed deltas: a tail that could be the start of a placeholder (`[CP`,
 * `[CPF_1`) is held back until the next delta completes or rules it out; `flush` returns what is left.
 */
export class StreamRestorer {
  private pending = '';

  constructor(private readonly pseudonymizer: Pseudonymizer) {}

  push(delta: string): string {
    const text = this.pending + delta;
    const open = text.lastIndexOf('[');
    if (open >= 0 && text.length - open <= MAX_PLACEHOLDER && /^\[[A-Z0-9_]*$/.test(text.slice(open))) {
      this.pending = text.slice(open);
      return this.pseudonymizer.restore(text.slice(0, open));
    }
    this.pending = '';
    return this.pseudonymizer.restore(text);
  }

  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return this.pseudonymizer.restore(rest);
  }
}

function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)])) as T;
  }
  return value;
}
