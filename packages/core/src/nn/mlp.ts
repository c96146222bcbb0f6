import * as tf from "@tensorflow/tfjs-core";
import { VsdError } from "../errors.js";
import { type Activation, activate } from "./activations.js";
import type { Dense, DenseOptions, ParamStore } from "./param-store.js";

export interface MlpOptions {
  /** Activation between layers. */
  readonly activation: Activation;
  /** Activation after the last layer too. @default none */
  readonly finalActivation?: Activation;
  /** Init of the last layer's weights (e.g. "zeros" for a residual branch). @default "glorot" */
  readonly finalInit?: DenseOptions["init"];
}

export interface Mlp {
  readonly layers: readonly Dense[];
  apply<T extends tf.Tensor2D | tf.Tensor3D>(x: T): T;
  /** Forward FLOPs on `rows` input rows. */
  flops(rows: number): number;
}

/**
 * A stack of dense layers with widths `dims` (`dims[0]` in, last out), named
 * `${name}/0`, `${name}/1`, ….
 */
export function mlp(store: ParamStore, name: string, dims: readonly number[], options: MlpOptions): Mlp {
  if (dims.length < 2 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new VsdError("INVALID_ARGUMENT", `mlp "${name}": dims must be ≥ 2 positive integers, got [${dims.join(", ")}].`);
  }
  const layers: Dense[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    const last = i + 2 === dims.length;
    layers.push(
      store.dense(`${name}/${i}`, dims[i]!, dims[i + 1]!, last && options.finalInit ? { init: options.finalInit } : {}),
    );
  }
  return {
    layers,
    apply<T extends tf.Tensor2D | tf.Tensor3D>(x: T): T {
      return tf.tidy(() => {
        let h = x as tf.Tensor2D | tf.Tensor3D;
        layers.forEach((layer, i) => {
          const act = i + 1 === layers.length ? options.finalActivation : options.activation;
          // relu fuses into the layer's kernel; the others are separate ops.
          h = layer.apply(h, act === "relu" ? "relu" : "linear");
          if (act && act !== "relu") h = activate(h, act);
        });
        return h as T;
      });
    },
    flops: (rows: number) => layers.reduce((f, l) => f + l.flops(rows), 0),
  };
}
