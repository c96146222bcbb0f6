import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { VsdError } from "./errors.js";

// Lets a test make `writeSync` fail after writing part of the buffer, the
// way a full disk does.
const failure = vi.hoisted(() => ({ afterBytes: -1 }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((fd: number, buffer: Uint8Array, offset: number, length: number) => {
    if (failure.afterBytes >= 0) {
      const n = Math.min(length, failure.afterBytes);
      fs.writeSync(fd, buffer, offset, n);
      const err = new Error("ENOSPC: no space left on device, write") as NodeJS.ErrnoException;
      err.code = "ENOSPC";
      throw err;
    }
    return fs.writeSync(fd, buffer, offset, length);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const { writeFileAtomic, writeJsonAtomic } = await import("./io.js");

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "vsd-io-"));
  dirs.push(d);
  return d;
}

afterEach(() => {
  failure.afterBytes = -1;
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("writes strings and bytes, creating parent directories", () => {
    const d = tempDir();
    const p = join(d, "a", "b", "c.txt");
    writeFileAtomic(p, "héllo");
    expect(readFileSync(p, "utf8")).toBe("héllo");
    const bytes = new Uint8Array([0, 1, 2, 255, 128]);
    writeFileAtomic(p, bytes);
    expect([...readFileSync(p)]).toEqual([...bytes]);
    // Only the target remains: no temp files left behind.
    expect(readdirSync(join(d, "a", "b"))).toEqual(["c.txt"]);
  });

  it("a failure mid-write leaves no partial target and no temp file", () => {
    const d = tempDir();
    const p = join(d, "big.bin");
    failure.afterBytes = 1000;
    let caught: unknown;
    try {
      writeFileAtomic(p, new Uint8Array(100_000).fill(7));
    } catch (e) {
      caught = e;
    }
    expect(VsdError.isInstance(caught) && caught.code).toBe("IO_ERROR");
    expect((caught as Error).message).toContain("ENOSPC");
    expect(existsSync(p)).toBe(false);
    expect(readdirSync(d)).toEqual([]);
  });

  it("a failure mid-write keeps the previous content of the target", () => {
    const d = tempDir();
    const p = join(d, "results.json");
    writeFileSync(p, "old");
    failure.afterBytes = 3;
    expect(() => writeFileAtomic(p, "new content that is longer")).toThrow(VsdError);
    expect(readFileSync(p, "utf8")).toBe("old");
    expect(readdirSync(d)).toEqual(["results.json"]);
  });

  it("a failing rename (target is a directory) is an IO_ERROR and cleans up", () => {
    const d = tempDir();
    const p = join(d, "taken");
    mkdirSync(join(p, "inside"), { recursive: true });
    expect(() => writeFileAtomic(p, "x")).toThrow(expect.objectContaining({ code: "IO_ERROR" }));
    expect(readdirSync(d)).toEqual(["taken"]);
  });
});

describe("writeJsonAtomic", () => {
  it("round-trips JSON with a trailing newline", () => {
    const d = tempDir();
    const p = join(d, "r.json");
    const value = { a: 1, b: [1.5, "x"], c: { d: null } };
    writeJsonAtomic(p, value);
    const text = readFileSync(p, "utf8");
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("rejects values JSON cannot represent", () => {
    const d = tempDir();
    expect(() => writeJsonAtomic(join(d, "u.json"), undefined)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(readdirSync(d)).toEqual([]);
  });
});
