/** How much of a question's information (IDF-weighted lexemes) each passage contains. */
export interface EvidenceReader {
  /** coverage in 0..1 per chunk id; lexemes absent from the collection count with the highest IDF. */
  coverage(collection: string, textSearchConfig: string, question: string, chunkIds: string[]): Promise<Map<string, number>>;
}
export const EVIDENCE_READER = Symbol('EVIDENCE_READER');
