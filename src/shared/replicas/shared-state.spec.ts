import { withoutSecrets } from './shared-state';

describe('withoutSecrets (what a shared model spec may carry)', () => {
  it('leaves out every key naming a secret, at any depth, and says which ones held a value', () => {
    const spec = { provider: 'openai', model: 'gpt-4o-mini', options: { baseUrl: 'http://llm:8000/v1', apiKey: 'sk-live-123', temperature: 0.1, headers: [{ Authorization: 'Bearer x' }], api_key: '' } };
    const { value, omitted } = withoutSecrets(spec);
    expect(value).toEqual({ provider: 'openai', model: 'gpt-4o-mini', options: { baseUrl: 'http://llm:8000/v1', temperature: 0.1, headers: [{}] } });
    expect(JSON.stringify(value)).not.toContain('sk-live');
    expect(omitted).toEqual(['options.apiKey', 'options.headers[0].Authorization']);
  });

  it('keeps a spec without secrets as it is', () => {
    expect(withoutSecrets({ provider: 'hashing', options: { dimension: 256 } })).toEqual({ value: { provider: 'hashing', options: { dimension: 256 } }, omitted: [] });
  });
});
