import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { VsdError } from "./errors.js";

/**
 * Writes `data` to `path` so that readers see either the old file or the
 * whole new one, never a partial write: the bytes go to a temp file in the
 * same directory (same file system, so `rename` is atomic on POSIX), which is
 * fsynced and then renamed over the target. Parent directories are created.
 * On any failure the temp file is removed and a `VsdError("IO_ERROR")` is
 * thrown; the target is left as it was.
 *
 * Synchronous on purpose: checkpoints and reports are written at points where
 * the caller must know the file is complete before it goes on.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, "wx", 0o644);
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the original error is the one to report.
      }
    }
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The temp path may not even be reachable (e.g. the parent is a file); nothing to clean.
    }
    throw new VsdError("IO_ERROR", `Could not write ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  fsyncDir(dir);
}

/** `writeFileAtomic` of `JSON.stringify(value, null, 2)` plus a final newline. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) {
    throw new VsdError("INVALID_ARGUMENT", `writeJsonAtomic(${path}): value is not JSON-serialisable.`);
  }
  writeFileAtomic(path, `${text}\n`);
}

/** Makes the rename durable; some file systems refuse fsync on directories, which is harmless. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Best effort only.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
