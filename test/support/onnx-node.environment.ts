import NodeEnvironment from 'jest-environment-node';

/**
 * Jest's node environment runs test code in its own V8 realm, but onnxruntime-node's native binding creates
 * output tensors with the main realm's typed arrays; onnxruntime-common then rejects them
 * ("A float32 tensor's data must be type of function Float32Array()"). Sharing the main realm's typed-array
 * constructors with the sandbox makes both sides agree. Only needed under Jest: plain Node has one realm.
 *
 * Use with a docblock: `@jest-environment ./support/onnx-node.environment.ts`.
 */
const SHARED = [
  'ArrayBuffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

export default class OnnxNodeEnvironment extends NodeEnvironment {
  constructor(...args: ConstructorParameters<typeof NodeEnvironment>) {
    super(...args);
    const host = globalThis as unknown as Record<string, unknown>;
    const sandbox = this.global as unknown as Record<string, unknown>;
    for (const name of SHARED) sandbox[name] = host[name];
  }
}
