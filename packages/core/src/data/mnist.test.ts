import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { loadMnist, mnistDigits } from "./mnist.js";

const COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

// vitest's deep equality walks typed arrays element by element; compare bytes directly.
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function classCounts(labels: Int32Array): number[] {
  const c = new Array<number>(10).fill(0);
  for (const l of labels) c[l]! += 1;
  return c;
}

describe("loadMnist", () => {
  it("decodes the npm package's 10,000 digits to their exact 8-bit values", () => {
    const all = mnistDigits();
    expect(all.labels.length).toBe(10_000);
    expect(classCounts(all.labels)).toEqual(COUNTS);
    // Independent check against the package's raw floats: bytes / 255 rounded to 3 decimals
    // give back the stored value for every pixel of digit 7's first 50 images.
    const raw = (createRequire(import.meta.url)("mnist") as Array<{ raw: number[] }>)[7]!.raw;
    const start = COUNTS.slice(0, 7).reduce((a, b) => a + b, 0) * 784;
    let mismatches = 0;
    for (let i = 0; i < 50 * 784; i++) {
      if (Number((all.pixels[start + i]! / 255).toFixed(3)) !== raw[i]) mismatches++;
    }
    expect(mismatches).toBe(0);
    const hist = new Array<number>(256).fill(0);
    let total = 0;
    for (const p of all.pixels) {
      hist[p]! += 1;
      total += p;
    }
    expect(hist.filter((h) => h > 0).length).toBe(256);
    // MNIST's mean intensity is 0.1307·255 ≈ 33.3 (torchvision's normalisation constant).
    const mean = total / all.pixels.length;
    expect(mean).toBeGreaterThan(31);
    expect(mean).toBeLessThan(36);
  });

  it("splits 8,000 / 2,000 by default, balanced per class, deterministically", () => {
    const ds = loadMnist();
    expect(ds).toMatchObject({ name: "mnist", height: 28, width: 28, channels: 1, numClasses: 10 });
    expect(ds.train.n).toBe(8000);
    expect(ds.test.n).toBe(2000);
    expect(ds.train.pixels.length).toBe(8000 * 784);
    expect(classCounts(ds.test.labels!)).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    const again = loadMnist();
    expect(sameBytes(again.test.pixels, ds.test.pixels)).toBe(true);
    expect(sameBytes(again.train.pixels, ds.train.pixels)).toBe(true);
    const other = loadMnist({ seed: 1 });
    expect(sameBytes(other.test.pixels, ds.test.pixels)).toBe(false);
    // Train + test is the whole set: pixel totals add up.
    const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);
    expect(sum(ds.train.pixels) + sum(ds.test.pixels)).toBe(sum(mnistDigits().pixels));
  });

  it("limit and testFraction", () => {
    const ds = loadMnist({ limit: 1000, testFraction: 0.5, seed: 3 });
    expect(ds.train.n).toBe(500);
    expect(ds.test.n).toBe(500);
    // Balanced: each class keeps its share of the 1,000 and half of that goes to test (±1 from rounding).
    classCounts(ds.test.labels!).forEach((c, k) => expect(Math.abs(c - COUNTS[k]! * 0.05)).toBeLessThan(1));
    expect(() => loadMnist({ testFraction: 1 })).toThrow(expect.objectContaining({ code: "INVALID_RANGE" }));
  });
});
