import { VsdError } from "./errors.js";

/** Where progress goes: `process.stderr` or anything with `write` (tests use a fake). */
export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  readonly label: string;
  /** Number of units of work (steps, batches, …). */
  readonly total: number;
  /** @default process.stderr */
  readonly stream?: ProgressStream;
  /** Treat as CI (quiet). @default Boolean(process.env.CI) */
  readonly ci?: boolean;
  /** Milliseconds clock, for tests. @default performance.now */
  readonly now?: () => number;
}

/** A running progress display. */
export interface Progress {
  /** Records `n` more units done; `extra` (e.g. "loss 1.234") is shown on the line. */
  tick(n?: number, extra?: string): void;
  /** Finishes: prints the final line. Later calls (and ticks) do nothing. */
  done(extra?: string): void;
  /** Units done so far. */
  readonly count: number;
}

/** Redraw interval on a TTY: ~10 updates per second. */
const TTY_INTERVAL_MS = 100;
/** Below this many units, non-TTY output is only the start and done lines. */
const MILESTONE_MIN_TOTAL = 20;

/**
 * A progress line. On a TTY (and not under CI): one line rewritten in place
 * with done/total, percentage, rate (it/s), ETA and the caller's extra text,
 * redrawn at most ~10 times a second. Otherwise (a pipe, a log file, or `CI`
 * set): a line at the start, at most one line per 10 % when `total` ≥ 20, and
 * a line at the end, so logs stay short.
 */
export function createProgress(options: ProgressOptions): Progress {
  const { label, total } = options;
  if (!(Number.isInteger(total) && total >= 0)) {
    throw new VsdError("INVALID_ARGUMENT", `createProgress: total must be a non-negative integer, got ${total}.`);
  }
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const live = Boolean(stream.isTTY) && !(options.ci ?? Boolean(process.env.CI));
  const start = now();
  let count = 0;
  let extraText = "";
  let lastDraw = -Infinity;
  let nextMilestone = 1; // in tenths
  let finished = false;

  const status = (): string => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const pct = total > 0 ? Math.floor((100 * count) / total) : 100;
    const eta = rate > 0 && count < total ? ` ETA ${formatDuration((total - count) / rate)}` : "";
    return `${label} ${count}/${total} (${pct}%) ${formatRate(rate)}${eta}${extraText ? ` ${extraText}` : ""}`;
  };
  const fit = (line: string): string =>
    stream.columns && line.length >= stream.columns ? line.slice(0, Math.max(0, stream.columns - 1)) : line;

  if (!live) stream.write(`${label}: started (${total} total)\n`);

  return {
    get count() {
      return count;
    },
    tick(n = 1, extra) {
      if (finished) return;
      if (!(Number.isFinite(n) && n >= 0)) {
        throw new VsdError("INVALID_ARGUMENT", `progress.tick: n must be a non-negative number, got ${n}.`);
      }
      count += n;
      if (extra !== undefined) extraText = extra;
      if (live) {
        const t = now();
        if (t - lastDraw >= TTY_INTERVAL_MS) {
          lastDraw = t;
          stream.write(`\r${fit(status())}\x1b[K`);
        }
      } else if (total >= MILESTONE_MIN_TOTAL && nextMilestone < 10 && count * 10 >= nextMilestone * total) {
        // One line per 10 % crossed, even if a big tick crosses several.
        while (nextMilestone < 10 && count * 10 >= nextMilestone * total) nextMilestone++;
        stream.write(`${status()}\n`);
      }
    },
    done(extra) {
      if (finished) return;
      finished = true;
      if (extra !== undefined) extraText = extra;
      const elapsed = (now() - start) / 1000;
      if (live) {
        stream.write(`\r${fit(`${status()} in ${formatDuration(elapsed)}`)}\x1b[K\n`);
      } else {
        const rate = elapsed > 0 ? count / elapsed : 0;
        stream.write(
          `${label}: done ${count}/${total} in ${formatDuration(elapsed)} (${formatRate(rate)})${extraText ? ` ${extraText}` : ""}\n`,
        );
      }
    },
  };
}

/** "12.3 it/s", "0.25 it/s", "1234 it/s". */
export function formatRate(rate: number): string {
  const digits = rate >= 100 ? 0 : rate >= 10 ? 1 : 2;
  return `${rate.toFixed(digits)} it/s`;
}

/** Seconds as "42s", "3m05s", "2h07m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
