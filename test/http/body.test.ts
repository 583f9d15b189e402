// readBody: a response stream collected into a reused buffer and decoded once, byte-exact whatever
// the chunking (a multi-byte character split between chunks included).
import { PassThrough } from 'node:stream';
import { BodyBufferPool, readBody } from '../../src/http/body';

/** Feeds `bytes` to readBody in chunks of `size` bytes. */
async function read(bytes: Buffer, size: number, pool = new BodyBufferPool(), expected?: number) {
  const stream = new PassThrough();
  const text = readBody(stream, expected, pool);
  for (let i = 0; i < bytes.length; i += size) stream.write(bytes.subarray(i, i + size));
  stream.end();
  return text;
}

describe('readBody', () => {
  const ascii = JSON.stringify({ incidents: Array.from({ length: 300 }, (_, i) => ({ id: `inc-${i}` })) });
  const utf8 = JSON.stringify({ name: 'Zürich — 東京 🚒', more: 'ü'.repeat(5000) });

  test.each([1, 2, 3, 7, 64, 4096, 1 << 20])(
    'decodes ASCII and UTF-8 exactly in chunks of %i bytes',
    async (size) => {
      expect(await read(Buffer.from(ascii), size)).toBe(ascii);
      expect(await read(Buffer.from(utf8), size)).toBe(utf8);
    }
  );

  test('a byte-order mark is dropped, as axios does', async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(utf8)]);
    expect(await read(withBom, 10)).toBe(utf8);
    expect(JSON.parse(await read(withBom, 1 << 20))).toEqual(JSON.parse(utf8));
  });

  test('an empty body is an empty string', async () => {
    expect(await read(Buffer.alloc(0), 10)).toBe('');
  });

  test('buffers go back to the pool and are reused, within its byte limit', async () => {
    const pool = new BodyBufferPool(1024 * 1024, 1024);
    const big = Buffer.from('x'.repeat(300_000));
    expect(await read(big, 1000, pool)).toHaveLength(300_000);
    const held = pool.size;
    expect(held).toBeGreaterThanOrEqual(300_000);
    // The same size again takes the pooled buffer instead of a new one.
    expect(await read(big, 1000, pool)).toHaveLength(300_000);
    expect(pool.size).toBe(held);
    // Bodies larger than the pool's limit are decoded but their buffers are not kept.
    const huge = Buffer.from('y'.repeat(2 * 1024 * 1024));
    expect(await read(huge, 65536, pool, huge.length)).toHaveLength(huge.length);
    expect(pool.size).toBeLessThanOrEqual(1024 * 1024);
  });

  test('a wrong Content-Length hint does not change what is read', async () => {
    expect(await read(Buffer.from(utf8), 100, new BodyBufferPool(), 10)).toBe(utf8);
    expect(await read(Buffer.from(ascii), 100, new BodyBufferPool(), 10 * ascii.length)).toBe(ascii);
  });

  test('a stream closed without an end or an error rejects as a reset, not never', async () => {
    const stream = new PassThrough();
    const text = readBody(stream);
    stream.write(Buffer.from('{"incidents": ['));
    stream.destroy();
    await expect(text).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  test('a stream error rejects with that error', async () => {
    const stream = new PassThrough();
    const text = readBody(stream);
    stream.write(Buffer.from('{"incidents": ['));
    stream.write(Buffer.from('{"id": 1}'));
    const cut = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    stream.destroy(cut);
    await expect(text).rejects.toBe(cut);
  });
});
