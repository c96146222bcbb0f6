import { VsdError } from "../errors.js";
import type { Rng } from "../rng.js";
import type { ProbeData } from "./collect-pairs.js";
import type { MethodOutcome } from "./method-outcome.js";
import type { ResolvedProbeOptions } from "./probe-options.js";

/** The neural probe methods (transfer, shared-vs-separate, gradient-conflict). */
export async function runNeuralProbe(_data: ProbeData, options: ResolvedProbeOptions, _rng: Rng): Promise<MethodOutcome> {
  throw new VsdError("NOT_SUPPORTED", `Probe method "${options.method}" is not implemented yet.`);
}
