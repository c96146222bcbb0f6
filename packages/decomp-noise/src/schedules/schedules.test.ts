import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { VsdError } from "@vsd/core";
import ref from "../__fixtures__/reference.json" with { type: "json" };
import { ddpmAlphasCumprod, ddpmBetas, rescaleZeroTerminalSnr, betasFromAlphasCumprod } from "../ddpm.js";
import { karrasSigmas, flowMatchSigmas } from "../sigmas.js";
import { createSchedule, type ScheduleSpec } from "./create-schedule.js";
import { laplaceDensity, laplaceLogSnr, laplaceSchedule } from "./laplace.js";
import { discreteSchedule } from "./discrete.js";
import { shiftSchedule, resolutionShift } from "./shift.js";
import { cosineSchedule } from "./cosine.js";
import { flowSchedule, shiftFlowSigma } from "./flow.js";

const REL = 1e-5;
function expectRel(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = REL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (Math.abs(e) < 1e-12) expect(Math.abs(a)).toBeLessThan(1e-12);
    else expect(Math.abs(a - e) / Math.abs(e), `index ${i}: ${a} vs ${e}`).toBeLessThan(tol);
  }
}
const pick = (a: ArrayLike<number>) => ref.indices.map((i) => a[i]!);

describe("ddpmAlphasCumprod vs diffusers formulas (reference.json, 1e-5 relative)", () => {
  const cases: [keyof typeof ref.ddpm, Parameters<typeof ddpmAlphasCumprod>[0]][] = [
    ["linear", "linear"],
    ["scaled_linear", "scaled_linear"],
    ["scaled_linear_sd", "scaled_linear"],
    ["squaredcos_cap_v2", "squaredcos_cap_v2"],
    ["sigmoid", "sigmoid"],
    ["laplace", "laplace"],
  ];
  for (const [name, kind] of cases) {
    it(`${name}: ᾱ, SNR and (where given) the zero-terminal-SNR rescale`, () => {
      const e = ref.ddpm[name] as { betaStart: number; betaEnd: number; alphasCumprod: number[]; snr: number[]; ztsnrAlphasCumprod?: number[] };
      const ab = ddpmAlphasCumprod(kind, { betaStart: e.betaStart, betaEnd: e.betaEnd });
      expect(ab.length).toBe(1000);
      expectRel(pick(ab), e.alphasCumprod);
      expectRel(pick(ab).map((a) => a / (1 - a)), e.snr);
      if (e.ztsnrAlphasCumprod) {
        const z = ddpmAlphasCumprod(kind, { betaStart: e.betaStart, betaEnd: e.betaEnd, rescaleZeroTerminalSnr: true });
        expectRel(pick(z).slice(0, -1), e.ztsnrAlphasCumprod.slice(0, -1));
        expect(z[999]).toBe(0);
        expect(betasFromAlphasCumprod(z)[999]).toBe(1);
      }
    });
  }

  it("upstream runs in float32: its ᾱ are within 1.4e-5 relative of these float64 values", () => {
    for (const gap of Object.values(ref.float32Gap)) expect(gap).toBeLessThan(1.4e-5);
  });

  it("rejects bad options with VsdError", () => {
    expect(() => ddpmAlphasCumprod("linear", { steps: 1 })).toThrow(VsdError);
    expect(() => ddpmAlphasCumprod("linear", { betaStart: 0.1, betaEnd: 0.01 })).toThrow(VsdError);
    expect(() => ddpmAlphasCumprod("nope" as "linear")).toThrow(VsdError);
    expect(() => rescaleZeroTerminalSnr([0.5])).toThrow(VsdError);
  });
});

describe("laplace follows the paper, not diffusers' α-vs-ᾱ bug", () => {
  it("is centred at λ = 0 at t = ½ with width b", () => {
    expect(laplaceLogSnr(0.5)).toBe(0);
    expect(laplaceLogSnr(0.25)).toBeCloseTo(-0.5 * Math.log(0.5), 14);
    expect(laplaceDensity(0)).toBe(1);
    expect(laplaceDensity(1, 0, 0.5)).toBeCloseTo(Math.exp(-2), 14);
    // ᾱ at discrete index T/2 − 1 (t = ½) is sigmoid(0) = ½.
    const ab = ddpmAlphasCumprod("laplace");
    expect(ab[499]).toBeCloseTo(0.5, 12);
    expect(Math.log(ab[499]! / (1 - ab[499]!))).toBeCloseTo(0, 10);
  });

  it("differs from diffusers, whose midpoint ᾱ is 1/√2 (λ ≈ 0.881)", () => {
    const bug = ref.diffusersLaplaceMidpoint;
    expect(bug.alphaBar).toBeCloseTo(Math.SQRT1_2, 6);
    expect(bug.logSnr).toBeCloseTo(0.8814, 4);
    expect(Math.abs(ddpmAlphasCumprod("laplace")[499]! - bug.alphaBar)).toBeGreaterThan(0.2);
  });

  it("rejects b ≤ 0", () => {
    expect(() => laplaceLogSnr(0.3, 0, 0)).toThrow(VsdError);
    expect(() => laplaceSchedule({ b: -1 })).toThrow(VsdError);
  });
});

describe("karrasSigmas (k-diffusion get_sigmas_karras)", () => {
  it("matches the reference and ends in a trailing 0 (n + 1 values)", () => {
    for (const k of ref.karras) {
      const s = karrasSigmas(k.n, k.sigmaMin, k.sigmaMax, k.rho);
      expect(s.length).toBe(k.n + 1);
      expectRel(s, k.sigmas);
      expect(s[0]).toBeCloseTo(k.sigmaMax, 10);
      expect(s[k.n - 1]).toBeCloseTo(k.sigmaMin, 10);
      expect(s[k.n]).toBe(0);
    }
    expect(() => karrasSigmas(0, 0.1, 1)).toThrow(VsdError);
  });
});

describe("flowMatchSigmas: the shift is applied once", () => {
  it("matches the single-shift reference; the last σ is one shift of 1/T", () => {
    for (const f of ref.flow) {
      const s = flowMatchSigmas(f.steps, f.shift);
      expectRel(s, f.sigmas);
      expect(s[f.steps - 1]).toBeCloseTo(shiftFlowSigma(1 / 1000, f.shift), 14);
      expect(s[f.steps]).toBe(0);
    }
  });

  it("differs from diffusers' static-shift path, which shifts σ_min twice (#13243)", () => {
    const f = ref.flow[0]!;
    const ours = flowMatchSigmas(f.steps, f.shift);
    const twice = shiftFlowSigma(shiftFlowSigma(1 / 1000, f.shift), f.shift);
    expect(f.diffusersStatic[f.steps - 1]).toBeCloseTo(twice, 12);
    expect(ours[f.steps - 1]! / f.diffusersStatic[f.steps - 1]!).toBeLessThan(0.4);
    // With shift 1 there is nothing to double and both agree.
    const one = ref.flow[1]!;
    expectRel(flowMatchSigmas(one.steps, 1), one.diffusersStatic);
  });
});

const CONTINUOUS: [string, ScheduleSpec][] = [
  ["linear", { kind: "linear" }],
  ["scaled_linear", { kind: "scaled_linear" }],
  ["cosine", { kind: "cosine" }],
  ["cosine_iddpm", { kind: "cosine_iddpm" }],
  ["sigmoid_rin", { kind: "sigmoid_rin" }],
  ["laplace", { kind: "laplace" }],
  ["laplace_mu1.5_b2.5", { kind: "laplace", mu: 1.5, b: 2.5 }],
  ["logit_normal", { kind: "logit_normal" }],
  ["edm", { kind: "edm" }],
  ["flow_shift3", { kind: "flow", shift: 3 }],
];

describe("continuous schedules: λ(t) against the paper formulas", () => {
  for (const [name, spec] of CONTINUOUS) {
    it(name, () => {
      const s = createSchedule(spec);
      const expected = (ref.continuous as unknown as Record<string, number[]>)[name]!;
      expectRel(ref.continuous.t.map((t) => s.logSnr(t)), expected);
    });
  }
});

const ALL: [string, ScheduleSpec][] = [
  ...CONTINUOUS,
  ["ddpm-linear", { kind: "ddpm", beta: "linear" }],
  ["ddpm-cosine", { kind: "ddpm", beta: "squaredcos_cap_v2" }],
  ["ddpm-sigmoid", { kind: "ddpm", beta: "sigmoid" }],
  ["ddpm-laplace", { kind: "ddpm", beta: "laplace" }],
  ["ddpm-scaled-ztsnr", { kind: "ddpm", beta: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012, rescaleZeroTerminalSnr: true }],
  ["cosine-shift4", { kind: "cosine", shift: 4 }],
];

describe("schedule properties (fast-check)", () => {
  const tArb = fc.double({ min: 0.001, max: 0.999, noNaN: true });
  for (const [name, spec] of ALL) {
    describe(name, () => {
      const s = createSchedule(spec);
      it("λ(t) strictly decreasing", () => {
        fc.assert(
          fc.property(tArb, tArb, (a, b) => {
            fc.pre(Math.abs(a - b) > 1e-6);
            const [lo, hi] = a < b ? [a, b] : [b, a];
            expect(s.logSnr(lo)).toBeGreaterThan(s.logSnr(hi));
          }),
        );
      });
      it("CDF(λ(t)) = 1 − t and t(λ(t)) = t", () => {
        fc.assert(
          fc.property(tArb, (t) => {
            const l = s.logSnr(t);
            expect(s.cdf(l)).toBeCloseTo(1 - t, 8);
            expect(s.tOfLogSnr(l)).toBeCloseTo(t, 8);
            expect(s.quantile(1 - t)).toBeCloseTo(l, 6);
          }),
        );
      });
      it("λ(t(λ)) = λ on the schedule's range", () => {
        fc.assert(
          fc.property(tArb, (u) => {
            const l = s.logSnr(u);
            expect(s.logSnr(s.tOfLogSnr(l))).toBeCloseTo(l, 6);
          }),
        );
      });
      it("density = 1/|λ′(t)| and integrates to the CDF", () => {
        fc.assert(
          fc.property(fc.double({ min: 0.05, max: 0.95, noNaN: true }), (u) => {
            // Discrete tables are piecewise in t: test at segment midpoints, away from the kinks.
            const t = spec.kind === "ddpm" ? (Math.floor(u * 1000) + 0.5) / 1000 : u;
            const l = s.logSnr(t);
            const p = s.density(l);
            expect(p * Math.abs(s.logSnrDerivative(t))).toBeCloseTo(1, 6);
            // Finite-difference check of dCDF/dλ = p.
            const h = (spec.kind === "ddpm" ? 1e-6 : 1e-4) * Math.max(1, Math.abs(l));
            const fd = (s.cdf(l + h) - s.cdf(l - h)) / (2 * h);
            expect(Math.abs(fd - p) / p).toBeLessThan(1e-3);
          }),
        );
      });
      it("α, σ are finite and give back λ", () => {
        for (const t of [0.01, 0.5, 0.99]) {
          const { alpha, sigma } = s.alphaSigma(t);
          expect(2 * Math.log(alpha / sigma)).toBeCloseTo(s.logSnr(t), 8);
        }
      });
    });
  }
});

describe("endpoints, discrete indexing and shifts", () => {
  it("documented endpoints", () => {
    expect(createSchedule({ kind: "linear" }).logSnrMax).toBe(Infinity);
    expect(createSchedule({ kind: "linear" }).logSnrMin).toBeCloseTo(-Math.log(Math.expm1(0.1 + 19.9 / 2)), 12);
    expect(cosineSchedule().logSnrMax).toBeCloseTo(15, 10);
    expect(cosineSchedule().logSnrMin).toBeCloseTo(-15, 10);
    expect(laplaceSchedule().logSnrMin).toBe(-Infinity);
    const z = createSchedule({ kind: "ddpm", beta: "linear", rescaleZeroTerminalSnr: true });
    expect(z.logSnr(1)).toBe(-Infinity);
    expect(z.density(-Infinity)).toBe(0);
  });

  it("discrete index i sits at t = (i + 1)/T", () => {
    const ab = ddpmAlphasCumprod("squaredcos_cap_v2");
    const s = discreteSchedule(ab);
    for (const i of [0, 1, 500, 998]) expect(s.logSnr((i + 1) / 1000)).toBeCloseTo(Math.log(ab[i]! / (1 - ab[i]!)), 9);
    expect(() => discreteSchedule([0.9, 0.95])).toThrow(VsdError);
    expect(ddpmBetas("squaredcos_cap_v2")[999]).toBe(0.999);
  });

  it("a log-SNR shift by s moves λ by −2 ln s; resolution shift uses side ratios", () => {
    const base = laplaceSchedule();
    const sh = shiftSchedule(base, 2);
    expect(sh.logSnr(0.3)).toBeCloseTo(base.logSnr(0.3) - 2 * Math.log(2), 12);
    expect(sh.density(-2 * Math.log(2))).toBeCloseTo(base.density(0), 12);
    const r = resolutionShift(cosineSchedule(), { side: 64, referenceSide: 32 });
    expect(r.logSnr(0.5)).toBeCloseTo(cosineSchedule().logSnr(0.5) - 2 * Math.log(2), 12);
    // RF: λ-shift equals SD3's σ-shift.
    const f = flowSchedule({ shift: 3 });
    expect(f.alphaSigma(0.4).sigma).toBeCloseTo(shiftFlowSigma(0.4, 3), 12);
    expect(() => shiftSchedule(base, 0)).toThrow(VsdError);
  });

  it("untruncated cosine density is sech(λ/2)/(2π)", () => {
    const c = cosineSchedule({ logSnrMin: -Infinity, logSnrMax: Infinity });
    for (const l of [-10, -1, 0, 3]) expect(c.density(l)).toBeCloseTo(1 / Math.cosh(l / 2) / (2 * Math.PI), 12);
  });
});
