export interface RawDocument {
  buffer: Buffer;
  filename: string;
  /** Declared media type (upload header or HTTP Content-Type), may be generic. */
  mimeType?: string;
  /** Where it came from, for HTML base URLs. */
  url?: string;
}

export interface ParseOptions {
  /** The request's: aborted when its client goes away, which stops a parse still waiting or under way. */
  signal?: AbortSignal;
  csv?: {
    textColumns?: string[];
    titleColumn?: string;
    idColumn?: string;
    listColumns?: string[];
  };
}

/** One logical document extracted from a file (a CSV or JSON array yields many). */
export interface ParsedDocument {
  title: string;
  text: string;
  mimeType: string;
  metadata: Record<string, unknown>;
  /** Appended to the file's source id for multi-document files (e.g. `#row=42`). */
  sourceSuffix?: string;
  /** Records of a table this one document holds, a line each (a JSON array of flat records); absent: 1. */
  records?: number;
}

export interface DocumentParser {
  parse(raw: RawDocument, options?: ParseOptions): Promise<ParsedDocument[]>;
}
