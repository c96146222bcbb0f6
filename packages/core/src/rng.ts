import * as tf from "@tensorflow/tfjs-core";
import { xoroshiro128plus, type RandomGenerator } from "pure-rand";
import { VsdError } from "./errors.js";

/**
 * Seeded, splittable random numbers. Every random choice in the SDK takes an
 * `Rng`, so a run is a function of its seed. Tensors are filled in JS and then
 * uploaded, so the same seed gives the same numbers on every backend.
 *
 * Generator: xoroshiro128+ from `pure-rand` (the generator fast-check uses).
 * Splitting: `split()` derives an independent child and advances the parent;
 * `derive(key)` derives a child from a key without touching the parent, so
 * the child's stream does not depend on the order of other calls.
 */
export class Rng {
  private gen: RandomGenerator;
  private spareNormal: number | undefined;
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new VsdError("INVALID_ARGUMENT", `Rng seed must be a finite number, got ${seed}.`);
    }
    this.seed = seed | 0;
    this.gen = xoroshiro128plus(mix32(this.seed));
  }

  /** A 32-bit unsigned integer. */
  uint32(): number {
    return this.gen.unsafeNext() >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.uint32() >>> 5; // 27 bits
    const lo = this.uint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) {
      throw new VsdError("INVALID_ARGUMENT", `Rng.int(n) needs a positive integer n, got ${n}.`);
    }
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller, polar form). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = this.uniform() * 2 - 1;
      v = this.uniform() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * m;
    return u * m;
  }

  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  /** `k` distinct indices from 0..n-1, in random order. */
  sample(n: number, k: number): Int32Array {
    if (k > n) {
      throw new VsdError("INVALID_ARGUMENT", `Cannot sample ${k} distinct indices from ${n}.`);
    }
    return this.permutation(n).slice(0, k);
  }

  /** An independent child stream; advances this one. */
  split(): Rng {
    return new Rng(this.uint32() | 0);
  }

  /** A child stream determined by this Rng's seed and `key` only. */
  derive(key: string | number): Rng {
    return new Rng(mix32(this.seed ^ hashString(String(key))));
  }

  /** Normal tensor of the given shape (float32). */
  normalTensor(shape: number[], mean = 0, std = 1): tf.Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(this.fillNormal(new Float32Array(size), mean, std), shape, "float32");
  }

  /** Uniform tensor in [low, high) of the given shape (float32). */
  uniformTensor(shape: number[], low = 0, high = 1): tf.Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(this.fillUniform(new Float32Array(size), low, high), shape, "float32");
  }

  /** The generator state, for checkpoints. */
  getState(): { seed: number; state: number[]; spare: number | null } {
    return { seed: this.seed, state: [...this.gen.getState()], spare: this.spareNormal ?? null };
  }

  static fromState(s: { seed: number; state: readonly number[]; spare: number | null }): Rng {
    const r = new Rng(s.seed);
    r.gen = xoroshiro128plus.fromState(s.state);
    r.spareNormal = s.spare ?? undefined;
    return r;
  }
}

/** Convenience: `createRng(seed)`. */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}

/** splitmix32-style finaliser, so nearby seeds give unrelated streams. */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

function hashString(s: string): number {
  // FNV-1a, 32 bit.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
