import { describe, expect, it } from "vitest";
import { VsdError } from "../errors.js";
import { Rng } from "../rng.js";
import { antitheticTimes } from "./antithetic.js";
import { encodePixel, encodePixels, natsToBitsPerDim, priorKl, reconstructionNll } from "./elbo.js";
import { estimateVdmElbo, repeatRows, type ElboDiffusionRows } from "./elbo-estimate.js";
import { sigmoid, softplus } from "./log-snr.js";

describe("encodePixels / repeatRows", () => {
  it("encodes every pixel at its bin centre", () => {
    const f = encodePixels(Uint8Array.from([0, 128, 255]));
    expect(f).toBeInstanceOf(Float32Array);
    expect([...f]).toEqual([-255 / 256, 1 / 256, 255 / 256]);
    for (const k of [3, 77, 200]) expect(encodePixels([k])[0]).toBe(Math.fround(encodePixel(k)));
  });

  it("repeats image rows K times from any start, and rejects rows past the images", () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]); // 3 images of 2
    expect([...repeatRows(x, 2, 2, 1, 4)]).toEqual([1, 2, 3, 4, 3, 4, 5, 6]);
    expect([...repeatRows(x, 2, 1, 2, 1)]).toEqual([5, 6]);
    expect(repeatRows(x, 2, 3, 0, 0).length).toBe(0);
    expect(() => repeatRows(x, 2, 1, 2, 2)).toThrow(VsdError);
    expect(() => repeatRows(x, 2, 0, 0, 1)).toThrow(VsdError);
  });
});

describe("estimateVdmElbo", () => {
  const D = 3;
  const pixels = Uint8Array.from([0, 17, 255, 128, 128, 129]); // two images of 3

  it("is prior + reconstruction + the mean of K rows, with the documented draw order", () => {
    const K = 5;
    const seen: ElboDiffusionRows[] = [];
    // A row's "estimate" is a fixed function of what it receives, so the test can recompute it.
    const rowNats = (x: Float32Array, eps: Float32Array, u: number, r: number): number => {
      let s = 0;
      for (let j = 0; j < D; j++) s += eps[r * D + j]! * eps[r * D + j]! + x[r * D + j]!;
      return s * (1 + u);
    };
    const res = estimateVdmElbo(pixels, new Rng(42), {
      dims: D,
      logSnr0: 10,
      logSnr1: -6,
      samples: K,
      chunk: 4,
      diffusionNats: (rows) => {
        seen.push({ ...rows, x: rows.x.slice(), eps: rows.eps.slice(), u: rows.u.slice() });
        return Float64Array.from({ length: rows.rows }, (_, r) => rowNats(rows.x, rows.eps, rows.u[r]!, r));
      },
    });
    // Replay the same random stream by hand.
    const rng = new Rng(42);
    const total = [0, 0];
    for (let i = 0; i < 2; i++) {
      const px = pixels.subarray(i * D, (i + 1) * D);
      total[i] = priorKl(px, -6) + reconstructionNll(px, rng.fillNormal(new Float64Array(D)), 10);
    }
    const u = antitheticTimes(2 * K, rng.uniform());
    expect(seen.map((s) => s.rows)).toEqual([4, 4, 2]);
    const x = encodePixels(pixels);
    for (let c = 0, start = 0; c < seen.length; start += seen[c]!.rows, c++) {
      const s = seen[c]!;
      const eps = rng.fillNormal(new Float32Array(s.rows * D)) as Float32Array;
      expect(s.eps).toEqual(eps);
      expect([...s.u]).toEqual([...u.subarray(start, start + s.rows)]);
      for (let r = 0; r < s.rows; r++) {
        const img = Math.floor((start + r) / K);
        expect([...s.x.subarray(r * D, (r + 1) * D)]).toEqual([...x.subarray(img * D, (img + 1) * D)]);
        total[img] = total[img]! + rowNats(s.x, eps, s.u[r]!, r) / K;
      }
    }
    const per = total.map((t) => natsToBitsPerDim(t, D));
    expect(res.bound).toBe("elbo");
    expect([...res.perImage!]).toEqual(per);
    expect(res.bitsPerDim).toBe((per[0]! + per[1]!) / 2);
  });

  it("averages rows to ½D[softplus(λ₀ + ln s²) − softplus(λ₁ + ln s²)] when rows give the N(0, s²) optimum's ½(λ₀ − λ₁)·D·mse(λ)", () => {
    // For x ~ N(0, s²) the optimal ε̂ has MSE sigmoid(λ + ln s²) per dim (derived), so with λ
    // uniform on [λ₁, λ₀] its diffusion term is ½∫mse dλ·D. Rows map u to λ = λ₁ + (λ₀ − λ₁)u.
    // The antithetic grid spans all n·K rows (image-major), so the mean over images is a
    // rectangle rule with error O(1/(nK)); each image alone sees only its 1/n of the grid.
    const s2 = 0.3;
    const [l1, l0] = [-8, 10];
    const K = 2000;
    const dims = 3;
    const us: number[][] = [[], []];
    const run = (diffusion: boolean) =>
      estimateVdmElbo(pixels, new Rng(7), {
        dims,
        logSnr0: l0,
        logSnr1: l1,
        samples: K,
        chunk: 512,
        diffusionNats: ({ rows, u }) =>
          Float64Array.from({ length: rows }, (_, r) => (diffusion ? 0.5 * (l0 - l1) * dims * sigmoid(l1 + (l0 - l1) * u[r]! + Math.log(s2)) : 0)),
      });
    const res = run(true);
    // Prior + reconstruction come from the same first draws; a zero-diffusion run isolates them.
    const base = run(false);
    const exact = 0.5 * dims * (softplus(l0 + Math.log(s2)) - softplus(l1 + Math.log(s2)));
    const diffusionNats = (res.bitsPerDim - base.bitsPerDim) * dims * Math.LN2;
    expect(Math.abs(diffusionNats - exact) / exact).toBeLessThan(1e-3); // offset rectangle rule: ≤ |f(1) − f(0)|/(nK) relative to the mean
    expect(base.bitsPerDim).toBeGreaterThan(0);
    // Image-major rows: image 0's K times are one contiguous half of the circle [0, 1).
    estimateVdmElbo(pixels, new Rng(7), {
      dims,
      logSnr0: l0,
      logSnr1: l1,
      samples: 4,
      chunk: 8,
      diffusionNats: ({ rows, u }) => {
        for (let r = 0; r < rows; r++) us[Math.floor(r / 4)]!.push(u[r]!);
        return new Float64Array(rows);
      },
    });
    const u0 = us[0]![0]!;
    for (const v of us[0]!) expect((v - u0 + 1) % 1).toBeLessThan(0.5);
    for (const v of us[1]!) expect((v - u0 + 1) % 1).toBeGreaterThanOrEqual(0.5 - 1e-12);
  });

  it("rejects bad sizes, a reversed λ range and a wrong number of row estimates", () => {
    const ok = { dims: 3, logSnr0: 5, logSnr1: -5, samples: 2, chunk: 4, diffusionNats: ({ rows }: ElboDiffusionRows) => new Float64Array(rows) };
    expect(() => estimateVdmElbo(pixels, new Rng(1), { ...ok, dims: 4 })).toThrow(VsdError);
    expect(() => estimateVdmElbo(new Uint8Array(0), new Rng(1), ok)).toThrow(VsdError);
    expect(() => estimateVdmElbo(pixels, new Rng(1), { ...ok, samples: 0 })).toThrow(VsdError);
    expect(() => estimateVdmElbo(pixels, new Rng(1), { ...ok, chunk: 1.5 })).toThrow(VsdError);
    expect(() => estimateVdmElbo(pixels, new Rng(1), { ...ok, logSnr0: -5, logSnr1: 5 })).toThrow(VsdError);
    expect(() => estimateVdmElbo(pixels, new Rng(1), { ...ok, diffusionNats: () => [1] })).toThrow(VsdError);
  });
});
