import * as tf from "@tensorflow/tfjs-core";
import type { GammaSchedule } from "./gamma-schedule.js";
import { cosineGammaSchedule, type FixedGammaSchedule } from "./fixed-schedules.js";

/** A fixed schedule (no trainable parameters) as a `GammaSchedule`. */
export class FixedSchedule implements GammaSchedule {
  readonly kind = "fixed" as const;
  readonly fixed: FixedGammaSchedule;

  constructor(fixed: FixedGammaSchedule) {
    this.fixed = fixed;
  }

  endpoints(): [number, number] {
    return [this.fixed.gamma0, this.fixed.gamma1];
  }

  endpointTensors(): { gamma0: tf.Scalar; gamma1: tf.Scalar } {
    return { gamma0: tf.scalar(this.fixed.gamma0), gamma1: tf.scalar(this.fixed.gamma1) };
  }

  evaluate(t: ArrayLike<number>): { gamma: Float64Array; dgamma: Float64Array } {
    const gamma = new Float64Array(t.length);
    const dgamma = new Float64Array(t.length);
    for (let i = 0; i < t.length; i++) {
      const v = this.fixed.at(t[i]!);
      gamma[i] = v.gamma;
      dgamma[i] = v.dgamma;
    }
    return { gamma, dgamma };
  }

  tensors(t: Float32Array): { gamma: tf.Tensor1D; dgamma: tf.Tensor1D } {
    const { gamma, dgamma } = this.evaluate(t);
    return { gamma: tf.tensor1d(Float32Array.from(gamma)), dgamma: tf.tensor1d(Float32Array.from(dgamma)) };
  }
}

/** The truncated cosine schedule with endpoints [γ₀, γ₁] as a `GammaSchedule`. */
export function cosineSchedule(gamma0: number, gamma1: number): FixedSchedule {
  return new FixedSchedule(cosineGammaSchedule(gamma0, gamma1));
}
