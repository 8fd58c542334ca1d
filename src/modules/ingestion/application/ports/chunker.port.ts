import type { ChunkDraft } from '../../../retrieval';

export interface Chunker {
  split(text: string): Promise<ChunkDraft[]>;
  readonly description: string;
}
