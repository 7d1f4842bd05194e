// coalesce(): small reads are joined into larger writes, nothing is lost or reordered, and what
// arrived before a failing source is still yielded before the error.
import { describe, expect, it } from 'vitest';
import { coalesce } from './storage';

async function collect(src: AsyncIterable<Buffer>): Promise<{ out: Buffer[]; error: unknown }> {
  const out: Buffer[] = [];
  try {
    for await (const c of src) out.push(c);
  } catch (e) {
    return { out, error: e };
  }
  return { out, error: null };
}

describe('coalesce', () => {
  it('joins small chunks into pieces of at least `min` bytes, in order, and yields the rest at the end', async () => {
    async function* src() {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(300, i);
    }
    const { out, error } = await collect(coalesce(src(), 1000));
    expect(error).toBeNull();
    expect(out.map((b) => b.length)).toEqual([1200, 1200, 600]);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(Array.from({ length: 10 }, (_, i) => Buffer.alloc(300, i))));
  });

  it('passes large chunks through as they are', async () => {
    const big = Buffer.alloc(5000, 7);
    async function* src() {
      yield big;
    }
    const { out } = await collect(coalesce(src(), 1000));
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(big);
  });

  it('a failing source: the bytes that arrived are yielded first, then its error is thrown', async () => {
    const boom = new Error('aborted');
    async function* src() {
      yield Buffer.from('abc');
      yield Buffer.from('def');
      throw boom;
    }
    const { out, error } = await collect(coalesce(src(), 1000));
    expect(Buffer.concat(out).toString()).toBe('abcdef');
    expect(error).toBe(boom);
  });
});
