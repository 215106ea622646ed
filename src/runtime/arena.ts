import { MetaoptimError } from '../core/errors.js';

const PAGE = 65536;
const ALIGN = 16;
/** wasm32 limit: 65,536 pages = 4 GiB. */
const MAX_PAGES = 65536;

interface Block {
  ptr: number;
  size: number;
}

/**
 * One allocator over one `WebAssembly.Memory`: first-fit free list with coalescing,
 * 16-byte aligned blocks, growth by `memory.grow` when nothing fits.
 *
 * Ownership: whoever calls `alloc` owns the block until `release`. Kernels never
 * allocate. Views (`f32`, `f64`, …) are made on the current `memory.buffer`; growth
 * detaches every old view, so long-lived holders keep a `Region` (below), whose `view`
 * is re-derived when the buffer changes, never a raw typed array.
 */
export class Arena {
  readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private top: number;
  private readonly free: Block[] = [];
  private readonly live = new Map<number, number>();
  private peak = 0;
  private used = 0;

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.memory = memory;
    this.base = alignUp(Math.max(heapBase, ALIGN), ALIGN);
    this.top = this.base;
  }

  /** Bytes of linear memory currently reserved by `memory.grow`. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /** Allocates `bytes` (rounded up to 16) and returns the byte offset; contents are zeroed. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new MetaoptimError('INVALID_ARGUMENT', `arena: cannot allocate ${bytes} bytes`);
    }
    const size = Math.max(ALIGN, alignUp(bytes, ALIGN));
    let ptr = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.size >= size) {
        ptr = b.ptr;
        if (b.size === size) this.free.splice(i, 1);
        else {
          b.ptr += size;
          b.size -= size;
        }
        break;
      }
    }
    if (ptr < 0) {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top = ptr + size;
    }
    new Uint8Array(this.memory.buffer, ptr, size).fill(0);
    this.live.set(ptr, size);
    this.used += size;
    if (this.used > this.peak) this.peak = this.used;
    return ptr;
  }

  /** Returns a block to the free list; releasing an unknown pointer throws. */
  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) {
      throw new MetaoptimError('INVALID_ARGUMENT', `arena: pointer ${ptr} is not a live allocation`);
    }
    this.live.delete(ptr);
    this.used -= size;
    // Insert sorted by address, then merge with neighbours.
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid]!.ptr < ptr) lo = mid + 1;
      else hi = mid;
    }
    this.free.splice(lo, 0, { ptr, size });
    let i = lo;
    if (i > 0 && this.free[i - 1]!.ptr + this.free[i - 1]!.size === ptr) {
      this.free[i - 1]!.size += size;
      this.free.splice(i, 1);
      i -= 1;
    }
    const cur = this.free[i]!;
    const next = this.free[i + 1];
    if (next && cur.ptr + cur.size === next.ptr) {
      cur.size += next.size;
      this.free.splice(i + 1, 1);
    }
    // A free block at the top shrinks the bump pointer instead.
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.size === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  /** Grows memory so that byte `end` is addressable. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow at least by a quarter of the current size to amortize repeated growth.
    const needPages = Math.ceil((end - have) / PAGE);
    const pages = Math.min(Math.max(needPages, Math.ceil(have / PAGE / 4)), MAX_PAGES - have / PAGE);
    if (pages < needPages) {
      throw new MetaoptimError('OUT_OF_MEMORY', `arena: ${end} bytes exceed the 4 GiB wasm32 limit`);
    }
    try {
      this.memory.grow(pages);
    } catch (err) {
      try {
        this.memory.grow(needPages);
      } catch {
        throw new MetaoptimError('OUT_OF_MEMORY', `arena: memory.grow(${needPages}) failed: ${String(err)}`);
      }
    }
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }

  /** Allocation statistics: `used` bytes in live blocks, `peak` of that, `liveBlocks`, `capacity`. */
  stats(): { used: number; peak: number; liveBlocks: number; capacity: number; top: number } {
    return { used: this.used, peak: this.peak, liveBlocks: this.live.size, capacity: this.capacity, top: this.top };
  }
}

type ViewCtor<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

/**
 * An owned block of `length` elements with a typed view that stays valid across
 * `memory.grow`: `view` is re-derived whenever the memory's buffer has changed.
 */
export class Region<T extends Float32Array | Float64Array | Int32Array | Uint8Array> {
  readonly ptr: number;
  readonly length: number;
  private readonly arena: Arena;
  private readonly ctor: ViewCtor<T>;
  private cached: T;
  private released = false;

  constructor(arena: Arena, ctor: ViewCtor<T>, length: number) {
    this.arena = arena;
    this.ctor = ctor;
    this.length = length;
    this.ptr = arena.alloc(length * ctor.BYTES_PER_ELEMENT);
    this.cached = new ctor(arena.memory.buffer, this.ptr, length);
  }

  /** A typed view of the block on the current memory buffer. */
  get view(): T {
    if (this.released) throw new MetaoptimError('DISPOSED', 'region used after release');
    const buf = this.arena.memory.buffer;
    if (this.cached.buffer !== buf) this.cached = new this.ctor(buf, this.ptr, this.length);
    return this.cached;
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Frees the block; idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.arena.release(this.ptr);
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
