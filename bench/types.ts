// Contract for benchmark suites. Each file bench/suites/<name>.ts default-exports a Suite;
// bench/main.ts discovers them, runs every case with tinybench, groups cases by
// (kernel, size) and reports each impl's throughput and its ratio to the group's baseline.

export interface BenchCase {
  /** Kernel or workload name, e.g. "adam", "gemm", "train-step 64-64-10". */
  kernel: string;
  /** Problem size (elements, or a shape label). */
  size: number | string;
  /** Implementation, e.g. "metaoptim-simd", "metaoptim-scalar", "plain-js", "tfjs-wasm", "native-c". */
  impl: string;
  /** True for the impl every other impl in the group is compared against (normally "plain-js"). */
  baseline?: boolean;
  /** Bytes of memory traffic per call, for GB/s. */
  bytesPerOp?: number;
  /** Floating-point operations per call, for GFLOP/s. */
  flopsPerOp?: number;
  setup?(): void | Promise<void>;
  fn(): void | Promise<void>;
  teardown?(): void | Promise<void>;
  /**
   * Self-timed measurement (e.g. a native program that times its own loop): returns
   * operations per second for a time budget of `timeMs`. When present the runner calls
   * it (between setup and teardown) instead of timing `fn` with tinybench.
   */
  measure?(timeMs: number): Promise<number>;
}

export interface SuiteOptions {
  /** Fewer sizes and shorter runs (smoke tests, CI). */
  quick: boolean;
  /**
   * Reports a note the runner prints with the results: under every table of `kernel` when
   * given (e.g. "tfjs has no Lion optimizer"), else once after all tables (e.g. "tfjs-wasm
   * backend failed to initialize: …"). In `--json` mode notes go to stderr.
   */
  note?(text: string, kernel?: string): void;
}

export interface Suite {
  name: string;
  cases(opts: SuiteOptions): Promise<BenchCase[]>;
  /** Frees suite-wide resources (runtimes, temp directories) after all its cases ran. */
  dispose?(): void | Promise<void>;
}
