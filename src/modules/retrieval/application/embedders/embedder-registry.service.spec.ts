import { CollectionInfo } from '../../domain/chunk';
import { EmbedderMismatchError, EmbedderUnavailableError, InvalidEmbedderSpecError } from '../../domain/retrieval.errors';
import { Embedder, EmbedderSpec } from '../ports/embedder.port';
import { EmbedderRegistry } from './embedder-registry.service';

class FakeEmbedder implements Embedder {
  ready = false;
  closed = false;
  constructor(
    readonly id: string,
    readonly dimension: number,
    private readonly failWarmUp = false,
  ) {}
  get modelId() {
    return this.id;
  }
  get info() {
    return { provider: 'fake', modelId: this.id, dimension: this.dimension, kind: 'semantic' as const, description: this.id };
  }
  async warmUp(): Promise<void> {
    if (this.failWarmUp) throw new EmbedderUnavailableError('fake', 'down');
    this.ready = true;
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map(() => new Float32Array(this.dimension));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const collection = (embedderId: string, dimension: number): CollectionInfo => ({
  name: 'c',
  embedderId,
  dimension,
  slot: 0,
  textSearchConfig: 'portuguese',
  createdAt: new Date(0),
});

/** Builds fakes from spec.model ("id:dimension"); provider "down" fails its warm-up, "bad" is refused. */
async function build(spec?: EmbedderSpec): Promise<Embedder> {
  if (spec?.provider === 'bad') throw new InvalidEmbedderSpecError('bad provider', [{ field: 'provider', message: 'bad' }]);
  const [id, dim] = (spec?.model ?? 'a:4').split(':');
  return new FakeEmbedder(`${id}:${dim}`, Number(dim), spec?.provider === 'down');
}

describe('EmbedderRegistry', () => {
  let a: FakeEmbedder;
  let registry: EmbedderRegistry;
  beforeEach(() => {
    a = new FakeEmbedder('a:4', 4);
    registry = new EmbedderRegistry(a, build);
  });

  it('serves each collection with the embedder that built it, and refuses one it does not hold', async () => {
    expect(registry.forCollection(collection('a:4', 4))).toBe(a);
    expect(() => registry.forCollection(collection('z:9', 9))).toThrow(EmbedderMismatchError);
    await a.warmUp();
    expect(registry.find(collection('a:4', 5))).toBeUndefined(); // dimension checked once the model is loaded
  });

  it('swaps only after a successful warm-up and keeps the previous embedder for the collections still using it', async () => {
    const info = await registry.swap({ provider: 'fake', model: 'b:8' });
    expect(info.modelId).toBe('b:8');
    expect(registry.active().info.modelId).toBe('b:8');
    expect(registry.forCollection(collection('a:4', 4))).toBe(a);
    expect(registry.list().map((e) => [e.info.modelId, e.active])).toEqual([
      ['a:4', false],
      ['b:8', true],
    ]);
  });

  it('leaves everything unchanged when the spec is refused or the warm-up fails', async () => {
    await expect(registry.swap({ provider: 'bad' })).rejects.toBeInstanceOf(InvalidEmbedderSpecError);
    await expect(registry.swap({ provider: 'down', model: 'c:2' })).rejects.toBeInstanceOf(EmbedderUnavailableError);
    expect(registry.active()).toBe(a);
    expect(registry.list().map((e) => e.info.modelId)).toEqual(['a:4']);
  });

  it('releases and closes embedders no collection uses, never the active or a pinned one', async () => {
    await registry.swap({ provider: 'fake', model: 'b:8' });
    expect(await registry.release(new Set(['a:4']))).toEqual([]);
    await registry.swap({ provider: 'fake', model: 'c:2' });
    await registry.withActive(async () => {
      await registry.swap({ provider: 'fake', model: 'd:3' });
      expect(await registry.release(new Set())).toEqual(['a:4', 'b:8']); // c:2 is pinned: a collection is being created with it
    });
    expect(a.closed).toBe(true);
    expect(await registry.release(new Set())).toEqual(['c:2']);
    expect(registry.list().map((e) => e.info.modelId)).toEqual(['d:3']);
  });
});
