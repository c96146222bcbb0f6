import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { apportion, stratifiedSplit } from "./split.js";

describe("apportion", () => {
  it("matches a hand-worked largest-remainder case", () => {
    // MNIST class counts at 20 %: floors sum to 1996, the four largest remainders (.8,.8,.6,.6) get +1.
    const counts = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    expect(apportion(counts, 2000)).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
  });

  it("always sums to the total and stays within 1 of the exact share (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 5000 }), (w, total) => {
        const sum = w.reduce((a, b) => a + b, 0);
        fc.pre(sum > 0);
        const q = apportion(w, total);
        expect(q.reduce((a, b) => a + b, 0)).toBe(total);
        q.forEach((x, i) => expect(Math.abs(x - (w[i]! * total) / sum)).toBeLessThan(1));
      }),
    );
  });
});

describe("stratifiedSplit", () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 10 === 3 ? 0 : i % 4);

  it("is a disjoint, deterministic, class-balanced partition", () => {
    const a = stratifiedSplit(labels, 4, { testFraction: 0.25, seed: 5 });
    const b = stratifiedSplit(labels, 4, { testFraction: 0.25, seed: 5 });
    const c = stratifiedSplit(labels, 4, { testFraction: 0.25, seed: 6 });
    expect([...a.train]).toEqual([...b.train]);
    expect([...a.test]).toEqual([...b.test]);
    expect([...a.test]).not.toEqual([...c.test]);
    expect(a.test.length).toBe(250);
    const all = [...a.train, ...a.test].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (let k = 0; k < 4; k++) {
      const total = labels.filter((l) => l === k).length;
      const inTest = [...a.test].filter((i) => labels[i] === k).length;
      expect(Math.abs(inTest - total / 4)).toBeLessThan(1);
    }
  });

  it("limit keeps that many rows in total", () => {
    const s = stratifiedSplit(labels, 4, { testFraction: 0.2, seed: 0, limit: 101 });
    expect(s.train.length + s.test.length).toBe(101);
    expect(s.test.length).toBe(20);
  });

  it("rejects fractions that leave a split empty", () => {
    expect(() => stratifiedSplit(labels, 4, { testFraction: 0, seed: 0 })).toThrow(
      expect.objectContaining({ code: "INVALID_RANGE" }),
    );
    expect(() => stratifiedSplit(labels, 4, { testFraction: 0.1, seed: 0, limit: 4 })).toThrow(
      expect.objectContaining({ code: "EMPTY_DATASET" }),
    );
  });
});
