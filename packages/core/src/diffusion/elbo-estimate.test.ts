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
        seen.push({ ...rows, x: rows.x.slice(), eps: rows.eps.slice(), u: rows.u.slice(), image: rows.image.slice() });
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
    // Then one offset u for a grid of n·K = 10 points, dealt to the images in turn:
    // image i, sample j gets grid point i + 2j.
    const grid = antitheticTimes(2 * K, rng.uniform());
    const u = Float64Array.from({ length: 2 * K }, (_, r) => grid[Math.floor(r / K) + 2 * (r % K)]!);
    expect(seen.map((s) => s.rows)).toEqual([4, 4, 2]);
    const x = encodePixels(pixels);
    for (let c = 0, start = 0; c < seen.length; start += seen[c]!.rows, c++) {
      const s = seen[c]!;
      const eps = rng.fillNormal(new Float32Array(s.rows * D)) as Float32Array;
      expect(s.eps).toEqual(eps);
      expect([...s.u]).toEqual([...u.subarray(start, start + s.rows)]);
      for (let r = 0; r < s.rows; r++) {
        const img = Math.floor((start + r) / K);
        expect(s.image[r]).toBe(img);
        expect([...s.x.subarray(r * D, (r + 1) * D)]).toEqual([...x.subarray(img * D, (img + 1) * D)]);
        total[img] = total[img]! + rowNats(s.x, eps, s.u[r]!, r) / K;
      }
    }
    const per = total.map((t) => natsToBitsPerDim(t, D));
    expect(res.bound).toBe("elbo");
    expect([...res.perImage!]).toEqual(per);
    expect(res.bitsPerDim).toBe((per[0]! + per[1]!) / 2);
  });

  // For x ~ N(0, s²) the optimal ε̂ has MSE sigmoid(λ + ln s²) per dim (derived), so with λ
  // uniform on [λ₁, λ₀] its diffusion term is ½∫mse dλ·D. Rows map u to λ = λ₁ + (λ₀ − λ₁)u and
  // return this integrand f(u) exactly, so all the spread of a per-image value comes from its times.
  const s2 = 0.3;
  const [l1, l0] = [-8, 10];
  const f = (u: number): number => 0.5 * (l0 - l1) * D * sigmoid(l1 + (l0 - l1) * u + Math.log(s2));
  const exact = 0.5 * D * (softplus(l0 + Math.log(s2)) - softplus(l1 + Math.log(s2)));
  /** Per-image diffusion term in nats: the estimate minus a zero-diffusion run on the same seed (same prior + reconstruction draws). */
  const diffusionPerImage = (px: Uint8Array, seed: number, K: number): number[] => {
    const run = (on: boolean) =>
      estimateVdmElbo(px, new Rng(seed), {
        dims: D,
        logSnr0: l0,
        logSnr1: l1,
        samples: K,
        chunk: 512,
        diffusionNats: ({ rows, u }) => Float64Array.from({ length: rows }, (_, r) => (on ? f(u[r]!) : 0)),
      });
    const [a, b] = [run(true), run(false)];
    return [...a.perImage!].map((v, i) => (v - b.perImage![i]!) * D * Math.LN2);
  };

  it("gives each image K times that cover [0, 1), so each image's diffusion term is a shifted K-point rule of ∫f", () => {
    // Image i's times are {(u_i + j/K) mod 1} = {(δ_i + j)/K}: one point in each cell [j/K, (j+1)/K).
    // For monotone f that bounds the error by (f(1) − f(0))/K per image, at any offset.
    const K = 2000;
    const per = diffusionPerImage(pixels, 7, K);
    expect(per.length).toBe(2);
    for (const v of per) expect(Math.abs(v - exact)).toBeLessThanOrEqual((f(1) - f(0)) / K + 1e-9);
    expect(Math.abs(per[0]! - per[1]!)).toBeGreaterThan(0); // offsets 1/(nK) apart: not the same grid
    // The times themselves: sorted, every gap (circularly) is 1/K.
    const us: number[][] = [[], []];
    estimateVdmElbo(pixels, new Rng(7), {
      dims: D,
      logSnr0: l0,
      logSnr1: l1,
      samples: 4,
      chunk: 3,
      diffusionNats: ({ rows, u }) => {
        for (let r = 0; r < rows; r++) us[us[0]!.length < 4 ? 0 : 1]!.push(u[r]!);
        return new Float64Array(rows);
      },
    });
    for (const t of us) {
      const sorted = [...t].sort((a, b) => a - b);
      for (let j = 1; j < 4; j++) expect(sorted[j]! - sorted[j - 1]!).toBeCloseTo(0.25, 12);
      expect(sorted[0]! + 1 - sorted[3]!).toBeCloseTo(0.25, 12);
    }
    // Together the 8 times are one grid 1/8 apart: image 1's are image 0's shifted by 1/(nK).
    const all = [...us[0]!, ...us[1]!].sort((a, b) => a - b);
    for (let j = 1; j < 8; j++) expect(all[j]! - all[j - 1]!).toBeCloseTo(0.125, 12);
    expect((us[1]![0]! - us[0]![0]! + 1) % 1).toBeCloseTo(0.125, 12);
  });

  it("per image: unbiased, variance the stratified (f(1) − f(0))²/(12K²), far below an image-major grid's; the batch mean is an nK-point rule", () => {
    // 8 images × K = 8 rows, 200 seeds. References:
    // - Var_single = Var f(U) (one uniform time per image), by a 10⁵-point midpoint rule: ≈ 141.7.
    // - A randomly shifted K-point rule has error ≈ (f(1) − f(0))(½ − δ)/K with δ ~ U[0, 1)
    //   (Euler–Maclaurin; f′ ≈ 0 at both ends here), so variance ≈ (f(1) − f(0))²/(12K²) ≈ 0.949.
    // - The old scheme, reimplemented here: times (u₀ + r/(nK)) mod 1 over all n·K rows, image-major,
    //   so image i's K times sit in one 1/n-wide slice and it averages f over that slice only.
    const n = 8;
    const K = 8;
    const seeds = 200;
    const px = Uint8Array.from({ length: n * D }, (_, k) => (k * 37) % 256);
    const grid = 100_000;
    let m2 = 0;
    for (let k = 0; k < grid; k++) m2 += f((k + 0.5) / grid) ** 2 / grid;
    const varSingle = m2 - exact * exact;
    const stratified = ((f(1) - f(0)) ** 2) / (12 * K * K);
    const fresh: number[] = [];
    const old: number[] = [];
    const batchMeans: number[] = [];
    for (let s = 0; s < seeds; s++) {
      const per = diffusionPerImage(px, 1000 + s, K);
      fresh.push(...per);
      batchMeans.push(per.reduce((a, b) => a + b, 0) / n);
      const t = antitheticTimes(n * K, new Rng(5000 + s).uniform());
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let j = 0; j < K; j++) acc += f(t[i * K + j]!) / K;
        old.push(acc);
      }
    }
    const meanVar = (v: number[]): [number, number] => {
      const mu = v.reduce((a, b) => a + b, 0) / v.length;
      return [mu, v.reduce((a, b) => a + (b - mu) ** 2, 0) / (v.length - 1)];
    };
    const [muNew, varNew] = meanVar(fresh);
    const [, varOld] = meanVar(old);
    const [, varBatch] = meanVar(batchMeans);
    expect(varSingle).toBeGreaterThan(140);
    expect(varSingle).toBeLessThan(143);
    // Measured: varNew ≈ 0.94, varOld ≈ 124 (≈ 0.88·Var_single).
    expect(Math.abs(varNew / stratified - 1)).toBeLessThan(0.15);
    expect(varNew).toBeLessThan(varSingle / (K * K));
    expect(varOld).toBeGreaterThan(varSingle / 2);
    expect(varNew * 50).toBeLessThan(varOld);
    // The batch mean: one shifted nK-point rule, variance ≈ (f(1) − f(0))²/(12n²K²) ≈ 0.0148 —
    // n times below what independent per-image offsets would give (varNew/n ≈ 0.119).
    expect(Math.abs(varBatch / (stratified / (n * n)) - 1)).toBeLessThan(0.3);
    expect(varBatch * 4).toBeLessThan(varNew / n);
    // Unbiased: the mean over 1600 per-image values (200 independent batches) is within 4 standard errors of ∫f
    // (≈ 0.1 nats); offsets without the random shift would be off by ≈ (f(1) − f(0))/(2K) ≈ 1.7.
    expect(Math.abs(muNew - exact)).toBeLessThan(4 * Math.sqrt(varBatch / seeds));
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
