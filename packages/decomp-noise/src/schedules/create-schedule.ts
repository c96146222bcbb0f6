import { VsdError } from "@vsd/core";
import { ddpmAlphasCumprod, type DdpmOptions, type DdpmScheduleKind } from "../ddpm.js";
import { cosineSchedule, iddpmCosineSchedule, rinSigmoidSchedule, type CosineOptions, type IddpmCosineOptions, type RinSigmoidOptions } from "./cosine.js";
import { discreteSchedule } from "./discrete.js";
import { flowSchedule, type FlowOptions } from "./flow.js";
import { laplaceSchedule, type LaplaceOptions } from "./laplace.js";
import type { NoiseSchedule } from "./noise-schedule.js";
import { edmSchedule, logitNormalSchedule, type EdmOptions, type LogitNormalOptions } from "./normal-log-snr.js";
import { shiftSchedule } from "./shift.js";
import { linearVpSchedule, scaledLinearVpSchedule, type LinearVpOptions, type ScaledLinearVpOptions } from "./vp-continuous.js";

/** Every schedule by name, with its options; `shift` (> 0) shifts λ by −2 ln shift. */
export type ScheduleSpec = { readonly shift?: number } & (
  | ({ readonly kind: "linear" } & LinearVpOptions)
  | ({ readonly kind: "scaled_linear" } & ScaledLinearVpOptions)
  | ({ readonly kind: "cosine" } & CosineOptions)
  | ({ readonly kind: "cosine_iddpm" } & IddpmCosineOptions)
  | ({ readonly kind: "sigmoid_rin" } & RinSigmoidOptions)
  | ({ readonly kind: "laplace" } & LaplaceOptions)
  | ({ readonly kind: "logit_normal" } & LogitNormalOptions)
  | ({ readonly kind: "edm" } & EdmOptions)
  | ({ readonly kind: "flow" } & FlowOptions)
  | ({ readonly kind: "ddpm"; readonly beta: DdpmScheduleKind } & DdpmOptions)
);

export type ScheduleKind = ScheduleSpec["kind"];

export const SCHEDULE_KINDS: readonly ScheduleKind[] = [
  "linear",
  "scaled_linear",
  "cosine",
  "cosine_iddpm",
  "sigmoid_rin",
  "laplace",
  "logit_normal",
  "edm",
  "flow",
  "ddpm",
];

/**
 * Builds a schedule from its spec. "ddpm" wraps `ddpmAlphasCumprod(beta, …)` as a
 * discrete schedule; `beta: "sigmoid"` is diffusers' β-sigmoid, distinct from
 * "sigmoid_rin".
 */
export function createSchedule(spec: ScheduleSpec): NoiseSchedule {
  const base = createBase(spec);
  return spec.shift !== undefined && spec.shift !== 1 && spec.kind !== "flow" ? shiftSchedule(base, spec.shift) : base;
}

function createBase(spec: ScheduleSpec): NoiseSchedule {
  switch (spec.kind) {
    case "linear":
      return linearVpSchedule(spec);
    case "scaled_linear":
      return scaledLinearVpSchedule(spec);
    case "cosine":
      return cosineSchedule(spec);
    case "cosine_iddpm":
      return iddpmCosineSchedule(spec);
    case "sigmoid_rin":
      return rinSigmoidSchedule(spec);
    case "laplace":
      return laplaceSchedule(spec);
    case "logit_normal":
      return logitNormalSchedule(spec);
    case "edm":
      return edmSchedule(spec);
    case "flow":
      return flowSchedule(spec);
    case "ddpm":
      return discreteSchedule(ddpmAlphasCumprod(spec.beta, spec), `ddpm-${spec.beta}${spec.rescaleZeroTerminalSnr ? "-ztsnr" : ""}`);
    default:
      throw new VsdError("INVALID_ARGUMENT", `Unknown schedule kind "${String((spec as { kind: unknown }).kind)}".`);
  }
}
