import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { VsdError } from "./errors.js";
import "./nn/register-gradients.js";
import { wasmFmaWanted, wasmMatMulUsesFma } from "./wasm-matmul.js";
import { registerThreadedWasmBackend, resolveWasmThreads, wasmThreadsInUse } from "./wasm-threads.js";

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
  /** wasm: whether XNNPACK runs multithreaded. */
  readonly threads?: boolean;
  /** wasm: the number of threads XNNPACK runs on (1 when single-threaded). */
  readonly wasmThreads?: number;
  /** wasm: why threads were wanted but are not used (they are optional). */
  readonly threadsCause?: string;
  /** wasm: whether VSD's matMul uses fused multiply-add (relaxed SIMD; `VSD_WASM_FMA`). */
  readonly fma?: boolean;
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
  /**
   * Threads for the wasm backend's XNNPACK (1 = tfjs's single-threaded build).
   * `VSD_WASM_THREADS` overrides it. Results are identical for any count:
   * threads split a matMul's output tiles, never a sum.
   * @default os.availableParallelism()
   */
  readonly wasmThreads?: number;
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
  if (order.includes("wasm")) {
    // Bad wasm settings are the caller's error, not a reason to fall back to cpu.
    resolveWasmThreads(options.wasmThreads);
    wasmFmaWanted();
  }

  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    try {
      const extra = await tryBackend(name, options);
      attempts.push({ backend: name, ok: true });
      const info: BackendInfo = { name, package: PACKAGES[name], attempts, ...extra };
      if ((options.log ?? true) && !printed) {
        printed = true;
        const tried = attempts.filter((a) => !a.ok).map((a) => a.backend);
        const threads = info.threads ? String(info.wasmThreads) : `off${info.threadsCause ? ` (${info.threadsCause})` : ""}`;
        const flags = name === "wasm" ? ` (simd ${info.simd ? "on" : "off"}, threads ${threads}, fma ${info.fma ? "on" : "off"})` : "";
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

async function tryBackend(
  name: BackendName,
  options: InitBackendOptions,
): Promise<{ simd?: boolean; threads?: boolean; wasmThreads?: number; threadsCause?: string; fma?: boolean }> {
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
      const wanted = resolveWasmThreads(options.wasmThreads);
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
      let threadsCause: string | undefined;
      if (wanted > 1 && !simd) threadsCause = "the threaded build needs wasm SIMD";
      else if (wanted > 1 && !wasmBackendInitialised()) {
        try {
          await registerThreadedWasmBackend(wanted);
        } catch (e) {
          threadsCause = e instanceof Error ? (e.message.split("\n")[0] ?? e.message) : String(e);
        }
      }
      if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') returned false");
      await tf.ready();
      const inUse = wasmThreadsInUse();
      return {
        simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"),
        threads: inUse > 1,
        wasmThreads: inUse,
        fma: wasmMatMulUsesFma(tf.backend()),
        ...(threadsCause !== undefined ? { threadsCause } : {}),
      };
    }
    case "cpu": {
      if (!(await tf.setBackend("cpu"))) throw new Error("setBackend('cpu') returned false");
      await tf.ready();
      return {};
    }
  }
}

/** True once a "wasm" backend instance exists (replacing it would drop its tensors). */
function wasmBackendInitialised(): boolean {
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  return registry["wasm"] != null;
}
