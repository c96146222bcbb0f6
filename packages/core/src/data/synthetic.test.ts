import { describe, expect, it } from "vitest";
import type { ImageDataset } from "../dataset.js";
import { ar1TransferGapBits } from "./ar1.js";
import { syntheticRowBreak, syntheticStationary } from "./synthetic-field.js";
import { syntheticSequences } from "./synthetic-sequences.js";

/** Field values x = (pixel − 127.5) / scale of dim 0 (pixel (0,0) of the cell) of every cell: [n][rows·cols]. */
function cellValues(ds: ImageDataset, rows: number, cols: number, cell: number, scale: number): Float64Array[] {
  const out: Float64Array[] = [];
  const w = cols * cell;
  for (let s = 0; s < ds.train.n; s++) {
    const v = new Float64Array(rows * cols);
    for (let R = 0; R < rows; R++) {
      for (let C = 0; C < cols; C++) {
        v[R * cols + C] = (ds.train.pixels[s * rows * cols * cell * cell + R * cell * w + C * cell]! - 127.5) / scale;
      }
    }
    out.push(v);
  }
  return out;
}

// vitest's deep equality walks typed arrays element by element; compare bytes directly.
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function corr(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Correlation between cell a and cell b over samples. */
function cellCorr(v: Float64Array[], a: number, b: number): number {
  return corr(v.map((x) => x[a]!), v.map((x) => x[b]!));
}

const opts = { n: 3000, nTest: 10, rows: 5, cols: 6, cell: 2, rho: 0.8, seed: 11 } as const;

describe("syntheticStationary", () => {
  const ds = syntheticStationary(opts);
  const v = cellValues(ds, 5, 6, 2, 32);

  it("has the requested shape and no labels", () => {
    expect(ds).toMatchObject({ name: "synthetic-stationary", height: 10, width: 12, channels: 1 });
    expect(ds.train.n).toBe(3000);
    expect(ds.test.n).toBe(10);
    expect(ds.train.labels).toBeUndefined();
    expect(ds.numClasses).toBeUndefined();
  });

  it("neighbour correlation is rho across columns and rows, rho^cols at raster row starts", () => {
    // Standard error of a correlation near 0.8 from 3,000 samples is ≈ 0.007.
    expect(cellCorr(v, 2 * 6 + 2, 2 * 6 + 3)).toBeCloseTo(0.8, 1);
    expect(Math.abs(cellCorr(v, 2 * 6 + 2, 2 * 6 + 3) - 0.8)).toBeLessThan(0.03);
    expect(Math.abs(cellCorr(v, 1 * 6 + 4, 2 * 6 + 4) - 0.8)).toBeLessThan(0.03);
    expect(Math.abs(cellCorr(v, 0 * 6 + 0, 1 * 6 + 1) - 0.64)).toBeLessThan(0.04);
    // Raster predecessor of a row start is the previous row's last cell: rho^cols = 0.262.
    expect(Math.abs(cellCorr(v, 1 * 6 + 5, 2 * 6 + 0) - 0.8 ** 6)).toBeLessThan(0.05);
  });

  it("is stationary: every cell has the same mean and variance", () => {
    for (let c = 0; c < 30; c++) {
      const xs = v.map((x) => x[c]!);
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const varr = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
      // SE of the mean 1/√3000 = 0.018, of the variance ≈ √(2/3000) = 0.026.
      expect(Math.abs(m)).toBeLessThan(0.08);
      expect(Math.abs(varr - 1)).toBeLessThan(0.12);
    }
  });

  it("is deterministic for a seed", () => {
    const again = syntheticStationary(opts);
    expect(sameBytes(again.train.pixels, ds.train.pixels)).toBe(true);
    expect(sameBytes(again.test.pixels, ds.test.pixels)).toBe(true);
    expect(sameBytes(syntheticStationary({ ...opts, seed: 12 }).train.pixels, ds.train.pixels)).toBe(false);
    expect(sameBytes(ds.test.pixels, ds.train.pixels.subarray(0, ds.test.pixels.length))).toBe(false);
  });

  it("rejects bad options", () => {
    expect(() => syntheticStationary({ rho: 1 })).toThrow(expect.objectContaining({ code: "INVALID_RANGE" }));
    expect(() => syntheticStationary({ n: 0 })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

describe("syntheticRowBreak", () => {
  const ds = syntheticRowBreak(opts);
  const v = cellValues(ds, 5, 6, 2, 32);

  it("correlates along rows but not across them", () => {
    expect(ds.name).toBe("synthetic-row-break");
    expect(Math.abs(cellCorr(v, 3 * 6 + 1, 3 * 6 + 2) - 0.8)).toBeLessThan(0.03);
    expect(Math.abs(cellCorr(v, 2 * 6 + 3, 3 * 6 + 3))).toBeLessThan(0.06);
    expect(Math.abs(cellCorr(v, 2 * 6 + 5, 3 * 6 + 0))).toBeLessThan(0.06);
  });

  it("rhoAcross sets the vertical correlation", () => {
    const w = cellValues(syntheticRowBreak({ ...opts, rhoAcross: 0.5 }), 5, 6, 2, 32);
    expect(Math.abs(cellCorr(w, 2 * 6 + 3, 3 * 6 + 3) - 0.5)).toBeLessThan(0.05);
  });
});

describe("syntheticSequences", () => {
  const n = 4000, length = 10, dim = 3, rho = 0.7;
  const x = syntheticSequences({ n, length, dim, rho, seed: 2 });
  const at = (t: number, k: number) => Array.from({ length: n }, (_, s) => x[(s * length + t) * dim + k]!);

  it("has lag-1 correlation rho at every position and unit variance everywhere", () => {
    expect(x.length).toBe(n * length * dim);
    for (let t = 0; t < length; t++) {
      const xs = at(t, 1);
      const m = xs.reduce((a, b) => a + b, 0) / n;
      const varr = xs.reduce((a, b) => a + (b - m) ** 2, 0) / n;
      expect(Math.abs(m)).toBeLessThan(0.07);
      expect(Math.abs(varr - 1)).toBeLessThan(0.1);
      if (t > 0) expect(Math.abs(corr(at(t - 1, 1), xs) - rho)).toBeLessThan(0.04);
    }
    expect(Math.abs(corr(at(2, 0), at(5, 0)) - rho ** 3)).toBeLessThan(0.05);
    expect(Math.abs(corr(at(4, 0), at(4, 2)))).toBeLessThan(0.05);
  });

  it("is deterministic for a seed", () => {
    expect(sameBytes(syntheticSequences({ n, length, dim, rho, seed: 2 }), x)).toBe(true);
    expect(sameBytes(syntheticSequences({ n, length, dim, rho, seed: 3 }), x)).toBe(false);
  });
});

/**
 * A previous-cell linear-Gaussian probe on the quantised data, pooled over the
 * 16 dims of a cell: fit y = a·x + b with residual variance v on subtask t,
 * score it on subtask k; gap = cross-entropy(θ_t on k) − cross-entropy(θ_k on k), bits/dim.
 */
function probeGap(ds: ImageDataset, fit: [number, number], evalOn: [number, number]): number {
  const cell = 4, w = ds.width, D = ds.height * w;
  const pairs = ([[pr, pc], [r, c]]: [[number, number], [number, number]]) => {
    const xs: number[] = [], ys: number[] = [];
    for (let s = 0; s < ds.train.n; s++) {
      for (let i = 0; i < cell; i++) {
        for (let j = 0; j < cell; j++) {
          xs.push(ds.train.pixels[s * D + (pr * cell + i) * w + pc * cell + j]! / 32);
          ys.push(ds.train.pixels[s * D + (r * cell + i) * w + c * cell + j]! / 32);
        }
      }
    }
    return { xs, ys };
  };
  const model = (d: { xs: number[]; ys: number[] }) => {
    const n = d.xs.length;
    const mx = d.xs.reduce((a, b) => a + b, 0) / n, my = d.ys.reduce((a, b) => a + b, 0) / n;
    let sxy = 0, sxx = 0;
    for (let i = 0; i < n; i++) { sxy += (d.xs[i]! - mx) * (d.ys[i]! - my); sxx += (d.xs[i]! - mx) ** 2; }
    const a = sxy / sxx, b = my - a * mx;
    let v = 0;
    for (let i = 0; i < n; i++) v += (d.ys[i]! - a * d.xs[i]! - b) ** 2;
    return { a, b, v: v / n };
  };
  const nll = (m: { a: number; b: number; v: number }, d: { xs: number[]; ys: number[] }) => {
    let s = 0;
    for (let i = 0; i < d.xs.length; i++) s += 0.5 * Math.log(2 * Math.PI * m.v) + (d.ys[i]! - m.a * d.xs[i]! - m.b) ** 2 / (2 * m.v);
    return s / d.xs.length / Math.LN2;
  };
  const prev = ([r, c]: [number, number]): [number, number] => (c > 0 ? [r, c - 1] : [r - 1, 6]);
  const dt = pairs([prev(fit), fit]);
  const dk = pairs([prev(evalOn), evalOn]);
  return nll(model(dt), dk) - nll(model(dk), dk);
}

describe("calibration: a previous-cell probe finds the documented gaps (raster order, 7×7, ρ = 0.9)", () => {
  it("stationary field: 1.87 bits/dim onto a row start, ≈ 0 between interior cells", () => {
    const ds = syntheticStationary({ n: 1500, nTest: 1, seed: 4 });
    expect(Math.abs(probeGap(ds, [2, 3], [3, 0]) - ar1TransferGapBits(0.9, 0.9 ** 7))).toBeLessThan(0.15);
    expect(Math.abs(probeGap(ds, [3, 0], [2, 3]) - ar1TransferGapBits(0.9 ** 7, 0.9))).toBeLessThan(0.1);
    expect(Math.abs(probeGap(ds, [2, 3], [5, 4]))).toBeLessThan(0.05);
  });

  it("row-break field: 4.95 bits/dim onto a row start", () => {
    const ds = syntheticRowBreak({ n: 1500, nTest: 1, seed: 4 });
    expect(Math.abs(probeGap(ds, [2, 3], [3, 0]) - ar1TransferGapBits(0.9, 0))).toBeLessThan(0.3);
    expect(Math.abs(probeGap(ds, [2, 3], [5, 4]))).toBeLessThan(0.05);
  });
});

describe("ar1TransferGapBits", () => {
  it("is 0 for equal conditionals and matches DESIGN.md's calibration numbers", () => {
    expect(ar1TransferGapBits(0.9, 0.9)).toBe(0);
    expect(ar1TransferGapBits(0.9, 0.9 ** 7)).toBeCloseTo(1.8713, 4);
    expect(ar1TransferGapBits(0.9, 0)).toBeCloseTo(4.9525, 4);
    // Mean gap onto a raster row start of the 7×7 field over the 47 other subtasks: DESIGN measured 1.68.
    expect((42 / 47) * ar1TransferGapBits(0.9, 0.9 ** 7)).toBeCloseTo(1.67, 2);
    expect((6 / 47) * ar1TransferGapBits(0.9 ** 7, 0.9)).toBeCloseTo(0.08, 2);
  });
});
