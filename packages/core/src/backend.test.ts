import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { initBackend, resetBackendForTests } from "./backend.js";
import { VsdError } from "./errors.js";

const original = process.env["VSD_BACKEND"];

afterEach(async () => {
  if (original === undefined) delete process.env["VSD_BACKEND"];
  else process.env["VSD_BACKEND"] = original;
  vi.restoreAllMocks();
  // Leave the process on the backend the setup file chose.
  resetBackendForTests();
  await initBackend({ log: false });
});

describe("initBackend", () => {
  it("honours VSD_BACKEND strictly: cpu when asked, even though wasm would be preferred", async () => {
    process.env["VSD_BACKEND"] = "cpu";
    resetBackendForTests();
    const info = await initBackend({ log: false, prefer: "wasm" });
    expect(info.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(info.attempts).toEqual([{ backend: "cpu", ok: true }]);
  });

  it("VSD_BACKEND naming a missing backend fails instead of falling back, with the cause", async () => {
    process.env["VSD_BACKEND"] = "tensorflow";
    resetBackendForTests();
    const err = await initBackend({ log: false }).catch((e: unknown) => e);
    expect(VsdError.isInstance(err)).toBe(true);
    expect(err).toMatchObject({ code: "BACKEND_UNAVAILABLE" });
    const message = (err as VsdError).message;
    expect(message).toContain("tensorflow (@tensorflow/tfjs-node):");
    expect(message).toMatch(/tfjs-node/);
    expect(message).not.toContain("wasm");
    const attempts = (err as VsdError).cause as Array<{ backend: string; ok: boolean; cause?: string }>;
    expect(attempts.map((a) => [a.backend, a.ok])).toEqual([["tensorflow", false]]);
    expect(attempts[0]!.cause!.length).toBeGreaterThan(0);
  });

  it("an unknown backend name → INVALID_ARGUMENT listing the valid names", async () => {
    process.env["VSD_BACKEND"] = "webgpu";
    resetBackendForTests();
    await expect(initBackend({ log: false })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringMatching(/Unknown backend "webgpu" \(from VSD_BACKEND\).*tensorflow-gpu, tensorflow, wasm, cpu/),
    });
    delete process.env["VSD_BACKEND"];
    resetBackendForTests();
    await expect(initBackend({ log: false, prefer: "gpu" as never })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("bad wasm settings (VSD_WASM_FMA, VSD_WASM_THREADS) → INVALID_ARGUMENT, not a silent fall-back to cpu", async () => {
    delete process.env["VSD_BACKEND"];
    for (const [name, value] of [["VSD_WASM_FMA", "on"], ["VSD_WASM_THREADS", "-2"]] as const) {
      const saved = process.env[name];
      process.env[name] = value;
      try {
        resetBackendForTests();
        await expect(initBackend({ log: false })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining(name) });
      } finally {
        if (saved === undefined) delete process.env[name];
        else process.env[name] = saved;
      }
    }
    resetBackendForTests();
  });

  it("when every candidate fails, the error lists each attempt's cause", async () => {
    delete process.env["VSD_BACKEND"];
    resetBackendForTests();
    const err = (await initBackend({ log: false, candidates: ["tensorflow-gpu", "tensorflow"] }).catch((e: unknown) => e)) as VsdError;
    expect(err.code).toBe("BACKEND_UNAVAILABLE");
    const lines = err.message.split("\n").slice(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ {2}tensorflow-gpu \(@tensorflow\/tfjs-node-gpu\): \S/);
    expect(lines[1]).toMatch(/^ {2}tensorflow \(@tensorflow\/tfjs-node\): \S/);
  });

  it("falls back past unavailable backends, records their causes, and prints the choice once", async () => {
    delete process.env["VSD_BACKEND"];
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    resetBackendForTests();
    const info = await initBackend({ prefer: "tensorflow" });
    expect(info.name).toBe("wasm");
    expect(info.attempts.map((a) => a.backend)).toEqual(["tensorflow", "tensorflow-gpu", "wasm"]);
    expect(info.attempts.filter((a) => !a.ok).every((a) => (a.cause ?? "").length > 0)).toBe(true);
    expect(info.simd).toBe(true);
    resetBackendForTests();
    await initBackend({});
    const lines = writes.filter((w) => w.startsWith("[vsd] backend:"));
    expect(lines).toEqual(["[vsd] backend: wasm (simd on, threads off, fma on); unavailable: tensorflow, tensorflow-gpu\n"]);
    // Idempotent: a second call without reset returns the same info object.
    expect(await initBackend({ prefer: "cpu" })).toBe(await initBackend({}));
  });
});
