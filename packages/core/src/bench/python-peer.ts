import { spawnSync } from "node:child_process";
import { VsdError } from "../errors.js";

/** What {@link runPythonPeer} returns: the parsed value, or why there is none. */
export type PythonPeerResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Options of {@link runPythonPeer}. */
export interface PythonPeerOptions {
  /** Wall-clock limit for the whole script; the process is killed after it. @default 600_000 */
  readonly timeoutMs?: number;
  /** The interpreter. @default "/usr/bin/python3" */
  readonly python?: string;
  /** Interpreter flags placed before `-c`, e.g. `["-W", "ignore"]`. @default [] */
  readonly pythonArgs?: readonly string[];
}

/** The longest piece of stderr/stdout quoted in an error message. */
const QUOTE = 200;

/**
 * Runs `script` with `python -c script ...args` and parses the last line it
 * prints as JSON: the peer measurement of a benchmark (PyTorch, numpy, scipy).
 * Python is a tool for peers only, so every failure is returned, not thrown,
 * with what failed: the interpreter could not start or timed out, the script
 * exited non-zero (with its last stderr line, usually the exception), or the
 * last stdout line is not JSON. The caller vouches for `T`.
 */
export function runPythonPeer<T>(
  script: string,
  args: readonly string[] = [],
  options: PythonPeerOptions = {},
): PythonPeerResult<T> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
    throw new VsdError("INVALID_ARGUMENT", `runPythonPeer: timeoutMs must be a positive number of milliseconds; got ${timeoutMs}.`);
  }
  const python = options.python ?? "/usr/bin/python3";
  const r = spawnSync(python, [...(options.pythonArgs ?? []), "-c", script, ...args], {
    encoding: "utf8",
    timeout: timeoutMs,
  });
  const fail = (error: string): PythonPeerResult<T> => ({ ok: false, error });
  const lastLine = (s: string | null | undefined) => (s ?? "").trim().split("\n").at(-1)!.trim();
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ETIMEDOUT") return fail(`${python} timed out after ${timeoutMs} ms`);
    if (code === "ENOENT") return fail(`${python} not found`);
    return fail(`${python} could not run: ${r.error.message}`);
  }
  if (r.status !== 0) {
    const how = r.status === null ? `killed by ${r.signal ?? "a signal"}` : `exited with code ${r.status}`;
    const why = lastLine(r.stderr).slice(0, QUOTE);
    return fail(why ? `${python} ${how}: ${why}` : `${python} ${how}`);
  }
  const line = lastLine(r.stdout);
  if (line === "") return fail(`${python} printed nothing on stdout`);
  try {
    return { ok: true, value: JSON.parse(line) as T };
  } catch {
    return fail(`unparseable output (last stdout line, not JSON): ${line.slice(0, QUOTE)}`);
  }
}
