import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "../errors.js";
import { runProbeCli } from "./probe-cli.js";

describe("vsd probe (runProbeCli)", () => {
  it("runs the built-in sequence plugin on the synthetic sequences and writes the report folder", async () => {
    const before = tf.memory().numTensors;
    const dir = mkdtempSync(join(tmpdir(), "vsd-probe-cli-"));
    const lines: string[] = [];
    try {
      const { report } = await runProbeCli(
        ["--plugin", "sequence", "--dataset", "synthetic-sequence", "--out", dir, "--seed", "3", "--pairs", "800", "--quiet"],
        { log: (l) => lines.push(l) },
      );
      expect(report.decomposition.id).toBe("sequence");
      expect(report.seed).toBe(3);
      expect(Math.abs(report.nonEquivariance.value)).toBeLessThan(0.03);
      expect(existsSync(join(dir, "results.json"))).toBe(true);
      expect(existsSync(join(dir, "gap-diag.png"))).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")).images).toEqual({ fit: 600, heldOut: 200 });
      expect(lines[0]).toMatch(/^sequence on synthetic-sequence .* nonEquivariance -?\d\.\d{4} bits\/dim/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects missing or malformed arguments with a VsdError", async () => {
    const code = async (argv: string[]): Promise<string | undefined> => {
      try {
        await runProbeCli(argv, { log: () => {} });
      } catch (e) {
        return VsdError.isInstance(e) ? e.code : "not a VsdError";
      }
      return undefined;
    };
    expect(await code(["--dataset", "mnist"])).toBe("INVALID_ARGUMENT");
    expect(await code(["--plugin", "sequence", "--dataset", "mnist", "--bogus"])).toBe("INVALID_ARGUMENT");
    expect(await code(["--plugin", "sequence", "--dataset", "no-such-set"])).toBe("INVALID_ARGUMENT");
    expect(await code(["--plugin", "sequence", "--dataset", "synthetic-sequence", "--subtasks", "some"])).toBe("INVALID_ARGUMENT");
    expect(await code(["--plugin", "sequence", "--dataset", "synthetic-sequence", "--plugin-options", "{"])).toBe("INVALID_ARGUMENT");
  });
});
