/**
 * A bounds-checked little-endian cursor over bytes: every read checks the bytes actually
 * present before it reads or allocates anything, and a read past the end raises the error its
 * owner chooses (each layer keeps its own typed error: the sim's state codec, the protocol's
 * canonical encodings). The one reader behind every decoder of untrusted bytes.
 * @module
 */

/** The errors a reader raises, made by its owner. */
export interface ByteReaderErrors {
  /** For a field that needs `need` bytes when only `remaining` are left. */
  truncated(field: string, need: number, remaining: number): Error;
  /** For a u64 read as a number that is above 2⁵³ − 1. */
  unsafe(field: string): Error;
  /** For `count` bytes left over when everything should have been read. */
  trailing(count: number): Error;
}

/** Reads fixed-width little-endian fields from `input` in order. */
export class ByteReader {
  private at = 0;
  private readonly view: DataView;

  constructor(
    protected readonly input: Uint8Array,
    private readonly errors: ByteReaderErrors,
  ) {
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.input.length - this.at;
  }

  /** Where the next read starts. */
  get offset(): number {
    return this.at;
  }

  /**
   * Claims the next `count` bytes and returns where they start.
   * @throws the owner's error when fewer are left.
   */
  protected claim(count: number, field: string): number {
    if (count > this.remaining) throw this.errors.truncated(field, count, this.remaining);
    const start = this.at;
    this.at += count;
    return start;
  }

  u8(field: string): number {
    return this.view.getUint8(this.claim(1, field));
  }

  u16(field: string): number {
    return this.view.getUint16(this.claim(2, field), true);
  }

  u32(field: string): number {
    return this.view.getUint32(this.claim(4, field), true);
  }

  i32(field: string): number {
    return this.view.getInt32(this.claim(4, field), true);
  }

  u64(field: string): bigint {
    return this.view.getBigUint64(this.claim(8, field), true);
  }

  /** A u64 that must fit a safe JS integer (step counts, timestamps). */
  u64Number(field: string): number {
    const value = this.u64(field);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.errors.unsafe(field);
    return Number(value);
  }

  /** The next `count` bytes as a view into the input (no copy). */
  take(count: number, field: string): Uint8Array {
    const start = this.claim(count, field);
    return this.input.subarray(start, start + count);
  }

  /**
   * Checks that everything was read.
   * @throws the owner's error naming the bytes left over.
   */
  end(): void {
    if (this.remaining !== 0) throw this.errors.trailing(this.remaining);
  }
}
