import { describe, expect, it } from "vitest";
import { hashFeatures } from "../../scripts/hash-features.js";
import fixtures from "./__fixtures__/pytorch-fid.json" with { type: "json" };
import { fidDetailed } from "./frechet-distance.js";

// d = 2048 costs tens of seconds in float64 JavaScript: VSD_SLOW=1 only.
describe.skipIf(!process.env.VSD_SLOW)("fid agrees with pytorch-fid at d = 2048", () => {
  for (const c of fixtures.cases.filter((x) => x.dim > 256)) {
    it(`${c.name}: d = ${c.dim}, nA = ${c.nA}, nB = ${c.nB} within 1e-6 relative`, () => {
      const xa = hashFeatures(c.seedA, c.nA, c.dim);
      const xb = hashFeatures(c.seedB, c.nB, c.dim, c.scaleB, c.shiftB);
      const det = fidDetailed(xa, xb, c.dim);
      expect(Math.abs(det.value - c.expected) / c.expected).toBeLessThan(1e-6);
      const ch = fidDetailed(xa, xb, c.dim, { method: "cholesky" });
      expect(Math.abs(ch.value - c.expected) / c.expected).toBeLessThan(1e-6);
    }, 1_200_000);
  }
});
