import { describe, expect, it } from "vitest";
import { hashFeatures } from "../../scripts/hash-features.js";
import fixtures from "./__fixtures__/pytorch-fid.json" with { type: "json" };
import { fidDetailed } from "./frechet-distance.js";

// d = 2048: seconds on the default route, a minute or more with method "eigh" (JS eigenvectors): VSD_SLOW=1 only.
describe.skipIf(!process.env.VSD_SLOW)("fid agrees with pytorch-fid at d = 2048", () => {
  for (const c of fixtures.cases.filter((x) => x.dim > 256)) {
    it(`${c.name}: d = ${c.dim}, nA = ${c.nA}, nB = ${c.nB} within 1e-6 relative`, () => {
      const xa = hashFeatures(c.seedA, c.nA, c.dim);
      const xb = hashFeatures(c.seedB, c.nB, c.dim, c.scaleB, c.shiftB);
      const det = fidDetailed(xa, xb, c.dim); // default route: "cholesky"
      expect(Math.abs(det.value - c.expected) / c.expected).toBeLessThan(1e-6);
      expect(det.rankSigma1).toBe(c.dim);
      const eigh = fidDetailed(xa, xb, c.dim, { method: "eigh" });
      expect(Math.abs(eigh.value - c.expected) / c.expected).toBeLessThan(1e-6);
      expect(eigh.minEigenSigma1).toBeGreaterThan(0);
    }, 1_200_000);
  }
});
