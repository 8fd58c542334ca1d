import { RankedChunk } from './chunk';
import { reciprocalRankFusion, singleBranch } from './rrf';

const chunk = (id: string, score = 0.5): RankedChunk => ({
  chunkId: id, documentId: `d-${id}`, title: id, text: id, metadata: {}, start: 0, end: 1, score,
});

describe('reciprocalRankFusion', () => {
  const policy = { k: 60, vectorWeight: 1, textWeight: 1 };

  it('ranks a chunk found by both branches above chunks found by one', () => {
    const hits = reciprocalRankFusion([chunk('a'), chunk('b')], [chunk('c'), chunk('b')], policy);
    expect(hits.map((h) => h.chunkId)).toEqual(['b', 'a', 'c']);
    expect(hits[0].ranks).toEqual({ vector: 2, text: 2 });
    expect(hits[1].ranks).toEqual({ vector: 1, text: null });
  });

  it('scores first-in-both as 1.0 and decreases with rank', () => {
    const hits = reciprocalRankFusion([chunk('a'), chunk('b')], [chunk('a'), chunk('b')], policy);
    expect(hits[0].score).toBe(1);
    expect(hits[1].score).toBeCloseTo((2 / 62) / (2 / 61), 5);
  });

  it('honours branch weights', () => {
    const textHeavy = reciprocalRankFusion([chunk('v')], [chunk('t')], { k: 60, vectorWeight: 0.2, textWeight: 1 });
    expect(textHeavy[0].chunkId).toBe('t');
    const vectorHeavy = reciprocalRankFusion([chunk('v')], [chunk('t')], { k: 60, vectorWeight: 1, textWeight: 0.2 });
    expect(vectorHeavy[0].chunkId).toBe('v');
  });

  it('keeps native scores and ranks for a single branch', () => {
    const hits = singleBranch([chunk('x', 0.9), chunk('y', 0.4)], 'text');
    expect(hits.map((h) => [h.chunkId, h.score, h.ranks.text, h.ranks.vector])).toEqual([
      ['x', 0.9, 1, null],
      ['y', 0.4, 2, null],
    ]);
  });
});
