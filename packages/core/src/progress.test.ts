import { afterEach, describe, expect, it, vi } from "vitest";
import { createProgress, formatDuration, formatRate } from "./progress.js";

function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, ...(columns ? { columns } : {}), write: (s: string) => writes.push(s) } };
}

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

afterEach(() => vi.unstubAllEnvs());

describe("createProgress on a TTY", () => {
  it("rewrites one line with count, rate, ETA and extra text, throttled to ~10/s", () => {
    vi.stubEnv("CI", "");
    const { writes, stream } = fakeStream(true);
    const c = clock();
    const p = createProgress({ label: "train", total: 100, stream, now: c.now });
    expect(writes).toEqual([]);
    c.advance(1000);
    p.tick(10, "loss 1.50");
    expect(writes).toHaveLength(1);
    // 10 done in 1 s → 10.0 it/s; 90 left → ETA 9s.
    expect(writes[0]).toBe("\rtrain 10/100 (10%) 10.0 it/s ETA 9s loss 1.50\x1b[K");
    // 50 more ticks within 50 ms are not drawn…
    for (let i = 0; i < 50; i++) {
      c.advance(1);
      p.tick();
    }
    expect(writes).toHaveLength(1);
    // …until 100 ms have passed since the last draw.
    c.advance(50);
    p.tick(0);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toMatch(/^\rtrain 60\/100 \(60%\) .* it\/s ETA \ds loss 1\.50\x1b\[K$/);
    expect(writes.every((w) => !w.slice(0, -1).includes("\n"))).toBe(true);
    p.tick(40);
    p.done();
    expect(writes.at(-1)).toMatch(/^\rtrain 100\/100 \(100%\) .* it\/s loss 1\.50 in 1s\x1b\[K\n$/);
    const n = writes.length;
    p.tick();
    p.done();
    expect(writes).toHaveLength(n);
    expect(p.count).toBe(100);
  });

  it("truncates to the terminal width", () => {
    vi.stubEnv("CI", "");
    const { writes, stream } = fakeStream(true, 20);
    const p = createProgress({ label: "a-long-label", total: 5, stream, now: clock().now });
    p.tick(1, "x".repeat(50));
    expect(writes[0]!.replace("\r", "").replace("\x1b[K", "")).toHaveLength(19);
  });
});

describe("createProgress off a TTY or under CI", () => {
  it("prints start, one line per 10 % and done when not a TTY", () => {
    vi.stubEnv("CI", "");
    const { writes, stream } = fakeStream(false);
    const c = clock();
    const p = createProgress({ label: "eval", total: 1000, stream, now: c.now });
    for (let i = 0; i < 1000; i++) {
      c.advance(2);
      p.tick();
    }
    p.done("nll 1.23");
    expect(writes[0]).toBe("eval: started (1000 total)\n");
    expect(writes).toHaveLength(1 + 9 + 1);
    expect(writes[1]).toMatch(/^eval 100\/1000 \(10%\) 500 it\/s ETA 2s\n$/);
    expect(writes.at(-1)).toBe("eval: done 1000/1000 in 2s (500 it/s) nll 1.23\n");
    expect(writes.every((w) => !w.includes("\r"))).toBe(true);
  });

  it("big ticks print one line, not one per milestone crossed", () => {
    const { writes, stream } = fakeStream(false);
    const p = createProgress({ label: "x", total: 100, stream, now: clock().now, ci: true });
    p.tick(55);
    p.tick(1);
    expect(writes).toHaveLength(2);
  });

  it("is quiet under CI even on a TTY, and small totals print only start and done", () => {
    vi.stubEnv("CI", "true");
    const { writes, stream } = fakeStream(true);
    const p = createProgress({ label: "probe", total: 5, stream, now: clock().now });
    for (let i = 0; i < 5; i++) p.tick();
    p.done();
    expect(writes).toHaveLength(2);
    expect(writes[0]).toBe("probe: started (5 total)\n");
    expect(writes[1]).toMatch(/^probe: done 5\/5 in 0s/);
  });

  it("rejects bad totals and ticks", () => {
    const { stream } = fakeStream(false);
    expect(() => createProgress({ label: "x", total: -1, stream })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    const p = createProgress({ label: "x", total: 3, stream });
    expect(() => p.tick(Number.NaN)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

describe("formatting", () => {
  it("durations and rates", () => {
    expect(formatDuration(42.4)).toBe("42s");
    expect(formatDuration(185)).toBe("3m05s");
    expect(formatDuration(7620)).toBe("2h07m");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("?");
    expect(formatRate(1234.5)).toBe("1235 it/s");
    expect(formatRate(12.34)).toBe("12.3 it/s");
    expect(formatRate(0.254)).toBe("0.25 it/s");
  });
});
