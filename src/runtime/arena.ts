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
 * Every `ArrayBuffer` that has been the buffer of some arena's `WebAssembly.Memory`. A typed
 * array on one of these that is not its memory's current buffer is a stale view: after
 * `memory.grow` (or a quarantine flush, below) the engine detached it, so it reads length 0 and
 * drops writes. `isStaleView` lets copy-in paths reject such a view (STALE_VIEW) instead of
 * silently reading nothing.
 */
const wasmBuffers = new WeakSet<ArrayBufferLike>();

/**
 * True when `x` is a typed array over a WebAssembly memory buffer that has since been detached
 * (by a growth of that memory or by a quarantine flush): its length reads 0 and writes are lost.
 */
export function isStaleView(x: unknown): boolean {
  if (!ArrayBuffer.isView(x)) return false;
  const buf = x.buffer;
  return wasmBuffers.has(buf) && buf.byteLength === 0;
}

/** True when `x` is a typed array over a live (current) WebAssembly memory buffer of some arena. */
export function isWasmView(x: unknown): boolean {
  return ArrayBuffer.isView(x) && wasmBuffers.has(x.buffer) && x.buffer.byteLength > 0;
}

/**
 * One allocator over one `WebAssembly.Memory`: first-fit free list with coalescing,
 * 16-byte aligned blocks, growth by `memory.grow` when nothing fits.
 *
 * Ownership: whoever calls `alloc` owns the block until `release`. Kernels never
 * allocate. Views (`f32`, `f64`, …) are made on the current `memory.buffer`; growth
 * detaches every old view, so long-lived holders keep a `Region` (below), whose `view`
 * is re-derived when the buffer changes, never a raw typed array.
 *
 * Quarantine (`retire`): a block whose raw views may still be held by user code (an optimizer
 * state's `params`, `grads`, slots) is not reused while those views can reach it. `retire`
 * parks the block; when an allocation finds no free block, the arena first *flushes* the
 * quarantine: `memory.grow(0)` detaches every view of the old buffer (they read length 0 and
 * drop writes), and only then do the parked blocks join the free list. So a write through a
 * stale view of a disposed state lands in parked memory or nowhere, never in another state.
 */
export class Arena {
  readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private top: number;
  private readonly free: Block[] = [];
  private readonly live = new Map<number, number>();
  private parked: number[] = [];
  private parkedBytes = 0;
  private flushes = 0;
  private peak = 0;
  private used = 0;

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.memory = memory;
    this.base = alignUp(Math.max(heapBase, ALIGN), ALIGN);
    this.top = this.base;
    wasmBuffers.add(memory.buffer);
  }

  /** The memory's current buffer, recorded as a WebAssembly buffer (see `isStaleView`). */
  get buffer(): ArrayBuffer {
    const b = this.memory.buffer;
    wasmBuffers.add(b);
    return b;
  }

  /** Bytes of linear memory currently reserved by `memory.grow`. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Allocates `bytes` (rounded up to 16) and returns the byte offset; contents are zeroed.
   * `zero = false` skips the zero-fill: the block then holds whatever an earlier block left
   * there (any bits, NaN included). Only for callers that write every byte they later read
   * (e.g. the box QP context, src/qp/box.ts, whose kernel overwrites every part it reads);
   * test/runtime/arena.test.ts checks both contracts.
   */
  alloc(bytes: number, zero = true): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new MetaoptimError('INVALID_ARGUMENT', `arena: cannot allocate ${bytes} bytes`);
    }
    const size = Math.max(ALIGN, alignUp(bytes, ALIGN));
    let ptr = this.firstFit(size);
    if (ptr < 0 && this.parked.length > 0) {
      this.flush();
      ptr = this.firstFit(size);
    }
    if (ptr < 0) {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top = ptr + size;
    }
    if (zero) new Uint8Array(this.buffer, ptr, size).fill(0);
    this.live.set(ptr, size);
    this.used += size;
    if (this.used > this.peak) this.peak = this.used;
    return ptr;
  }

  private firstFit(size: number): number {
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.size >= size) {
        const ptr = b.ptr;
        if (b.size === size) this.free.splice(i, 1);
        else {
          b.ptr += size;
          b.size -= size;
        }
        return ptr;
      }
    }
    return -1;
  }

  /**
   * Parks a live block in quarantine (see the class comment): it stops counting as used, but
   * is reused only after a flush has detached every view of the current buffer.
   */
  retire(ptr: number): void {
    const size = this.take(ptr);
    this.parked.push(ptr, size);
    this.parkedBytes += size;
  }

  /**
   * Detaches every view of the current buffer (`memory.grow(0)` swaps in a new `ArrayBuffer`)
   * and returns the quarantined blocks to the free list. Called by `alloc` when nothing fits.
   */
  flush(): void {
    if (this.parked.length === 0) return;
    this.memory.grow(0);
    wasmBuffers.add(this.memory.buffer);
    this.flushes += 1;
    const parked = this.parked;
    this.parked = [];
    this.parkedBytes = 0;
    for (let i = 0; i < parked.length; i += 2) this.insertFree(parked[i]!, parked[i + 1]!);
  }

  /** Returns a block to the free list; releasing an unknown pointer throws. */
  release(ptr: number): void {
    this.insertFree(ptr, this.take(ptr));
  }

  private take(ptr: number): number {
    const size = this.live.get(ptr);
    if (size === undefined) {
      throw new MetaoptimError('INVALID_ARGUMENT', `arena: pointer ${ptr} is not a live allocation`);
    }
    this.live.delete(ptr);
    this.used -= size;
    return size;
  }

  private insertFree(ptr: number, size: number): void {
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
    wasmBuffers.add(this.memory.buffer);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.buffer, ptr, length);
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.buffer, ptr, length);
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.buffer, ptr, length);
  }

  /**
   * Allocation statistics: `used` bytes in live blocks, `peak` of that, `liveBlocks`, `capacity`,
   * `top` (bump pointer), `quarantined` bytes parked by `retire`, `flushes` (quarantine flushes).
   */
  stats(): { used: number; peak: number; liveBlocks: number; capacity: number; top: number; quarantined: number; flushes: number } {
    return {
      used: this.used, peak: this.peak, liveBlocks: this.live.size, capacity: this.capacity, top: this.top,
      quarantined: this.parkedBytes, flushes: this.flushes,
    };
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

  /** `zero = false`: the block is not zero-filled (see `Arena.alloc`; write before you read). */
  constructor(arena: Arena, ctor: ViewCtor<T>, length: number, zero = true) {
    this.arena = arena;
    this.ctor = ctor;
    this.length = length;
    this.ptr = arena.alloc(length * ctor.BYTES_PER_ELEMENT, zero);
    this.cached = new ctor(arena.buffer, this.ptr, length);
  }

  /** A typed view of the block on the current memory buffer. */
  get view(): T {
    if (this.released) throw new MetaoptimError('DISPOSED', 'region used after release');
    const buf = this.arena.memory.buffer;
    if (this.cached.buffer !== buf) this.cached = new this.ctor(this.arena.buffer, this.ptr, this.length);
    return this.cached;
  }

  /**
   * True when the view last handed out by `view` was made on a buffer that has since been
   * detached (a growth or a quarantine flush happened after it): anything written through it
   * after that point was dropped. Does not re-derive the view.
   */
  get stale(): boolean {
    return this.cached.buffer !== this.arena.memory.buffer;
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

  /**
   * Frees the block through the arena's quarantine (`Arena.retire`): for blocks whose raw views
   * were handed to user code. Idempotent.
   */
  retire(): void {
    if (this.released) return;
    this.released = true;
    this.arena.retire(this.ptr);
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
