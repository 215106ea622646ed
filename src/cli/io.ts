/** Where the command line writes: stdout lines (summary, --json) and stderr (progress, messages). */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}
