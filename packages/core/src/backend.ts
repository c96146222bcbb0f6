import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { VsdError } from "./errors.js";
import "./nn/register-gradients.js";

/** Backends in order of preference. */
export const BACKEND_ORDER = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export interface BackendAttempt {
  readonly backend: BackendName;
  readonly ok: boolean;
  readonly cause?: string;
}

export interface BackendInfo {
  /** The tfjs backend name in use ("tensorflow" covers tfjs-node and tfjs-node-gpu). */
  readonly name: BackendName;
  /** The npm package that provided it. */
  readonly package: string;
  readonly attempts: readonly BackendAttempt[];
  readonly simd?: boolean;
  readonly threads?: boolean;
}

export interface InitBackendOptions {
  /** Try this backend first (or only, with `strict`). `VSD_BACKEND` overrides it. */
  readonly prefer?: BackendName | "auto";
  /** Fail instead of falling back when `prefer` cannot be used. Always on when `VSD_BACKEND` is set. */
  readonly strict?: boolean;
  /** Only ever try these backends, in `BACKEND_ORDER` (after `prefer`). @default all of BACKEND_ORDER */
  readonly candidates?: readonly BackendName[];
  /** Print the choice (once per process). @default true */
  readonly log?: boolean;
}

const PACKAGES: Record<BackendName, string> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
};

let current: Promise<BackendInfo> | undefined;
let printed = false;

/**
 * Picks the fastest tensor backend that works here: tfjs-node-gpu (CUDA) →
 * tfjs-node → wasm → cpu. The first two are optional peers the user installs.
 * `VSD_BACKEND` (one of the names above) overrides `prefer`. Every failed
 * attempt keeps its cause; if nothing works the error lists them all.
 * Idempotent: later calls return the first call's result.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  current ??= doInit(options).catch((e: unknown) => {
    current = undefined;
    throw e;
  });
  return current;
}

/** The backend chosen by `initBackend`, or undefined before it ran. */
export async function backendInfo(): Promise<BackendInfo | undefined> {
  return current;
}

/** Forget the choice (tests). */
export function resetBackendForTests(): void {
  current = undefined;
}

async function doInit(options: InitBackendOptions): Promise<BackendInfo> {
  const env = process.env["VSD_BACKEND"]?.trim();
  const preferRaw = env && env.length > 0 ? env : (options.prefer ?? "auto");
  // A backend named in the environment is a requirement, not a hint.
  const strict = env && env.length > 0 ? true : (options.strict ?? false);
  const allowed = options.candidates ?? BACKEND_ORDER;
  for (const c of allowed) {
    if (!(BACKEND_ORDER as readonly string[]).includes(c)) {
      throw new VsdError("INVALID_ARGUMENT", `Unknown backend "${c}" in candidates; expected some of ${BACKEND_ORDER.join(", ")}.`);
    }
  }
  if (preferRaw !== "auto" && !(BACKEND_ORDER as readonly string[]).includes(preferRaw)) {
    throw new VsdError(
      "INVALID_ARGUMENT",
      `Unknown backend "${preferRaw}"${env ? " (from VSD_BACKEND)" : ""}; expected one of ${BACKEND_ORDER.join(", ")} or auto.`,
    );
  }
  const order: BackendName[] = (
    preferRaw === "auto"
      ? [...BACKEND_ORDER]
      : strict
        ? [preferRaw as BackendName]
        : [preferRaw as BackendName, ...BACKEND_ORDER.filter((b) => b !== preferRaw)]
  ).filter((b) => strict || allowed.includes(b));
  if (order.length === 0) {
    throw new VsdError("INVALID_ARGUMENT", "initBackend: no backend left to try (empty candidates).");
  }

  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    try {
      const extra = await tryBackend(name);
      attempts.push({ backend: name, ok: true });
      const info: BackendInfo = { name, package: PACKAGES[name], attempts, ...extra };
      if ((options.log ?? true) && !printed) {
        printed = true;
        const tried = attempts.filter((a) => !a.ok).map((a) => a.backend);
        const flags = name === "wasm" ? ` (simd ${info.simd ? "on" : "off"}, threads ${info.threads ? "on" : "off"})` : "";
        process.stderr.write(`[vsd] backend: ${name}${flags}${tried.length ? `; unavailable: ${tried.join(", ")}` : ""}\n`);
      }
      return info;
    } catch (e) {
      attempts.push({ backend: name, ok: false, cause: e instanceof Error ? (e.message.split("\n")[0] ?? e.message) : String(e) });
    }
  }
  throw new VsdError(
    "BACKEND_UNAVAILABLE",
    `No tensor backend could be initialised:\n${attempts.map((a) => `  ${a.backend} (${PACKAGES[a.backend]}): ${a.cause}`).join("\n")}`,
    { cause: attempts },
  );
}

async function tryBackend(name: BackendName): Promise<{ simd?: boolean; threads?: boolean }> {
  switch (name) {
    case "tensorflow-gpu":
    case "tensorflow": {
      // Registers the "tensorflow" backend; throws when libtensorflow is missing.
      await import(/* @vite-ignore */ PACKAGES[name]);
      if (!(await tf.setBackend("tensorflow"))) throw new Error("setBackend('tensorflow') returned false");
      await tf.ready();
      return {};
    }
    case "wasm": {
      await import("@tensorflow/tfjs-backend-wasm");
      const { registerWasmKernelOverrides } = await import("./wasm-kernels.js");
      registerWasmKernelOverrides();
      if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') returned false");
      await tf.ready();
      return {
        simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"),
        threads: tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT"),
      };
    }
    case "cpu": {
      if (!(await tf.setBackend("cpu"))) throw new Error("setBackend('cpu') returned false");
      await tf.ready();
      return {};
    }
  }
}
