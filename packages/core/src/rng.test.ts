import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";
import { VsdError } from "./errors.js";

describe("Rng", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = Array.from({ length: 5 }, () => a.uniform());
    const xb = Array.from({ length: 5 }, () => b.uniform());
    const xc = Array.from({ length: 5 }, () => c.uniform());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it("derive(key) does not depend on call order; split() advances", () => {
    const r = new Rng(7);
    const d1 = r.derive("probe").uniform();
    r.uniform();
    expect(r.derive("probe").uniform()).toBe(d1);
    const r2 = new Rng(7);
    expect(r2.split().uniform()).not.toBe(r2.split().uniform());
  });

  it("normal() has mean 0 and variance 1 within sampling error", () => {
    const r = new Rng(1);
    const n = 100_000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
    const mean = s / n, varr = s2 / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(varr - 1)).toBeLessThan(0.02);
  });

  it("permutation is a permutation; state round-trips", () => {
    const r = new Rng(3);
    const p = Array.from(r.permutation(100)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
    r.normal();
    const s = r.getState();
    const q = Rng.fromState(s);
    expect([q.normal(), q.uniform()]).toEqual([r.normal(), r.uniform()]);
  });

  it("rejects bad arguments with VsdError", () => {
    expect(() => new Rng(Number.NaN)).toThrow(VsdError);
    expect(() => new Rng(1).int(0)).toThrow(VsdError);
    expect(() => new Rng(1).sample(3, 4)).toThrow(VsdError);
  });
});
