import { container as rootContainer } from "tsyringe";
import { describe, expect, it } from "vitest";
import type { Decomposition } from "./decomposition.js";
import { VsdError } from "./errors.js";
import { DECOMPOSITION, assertDecomposition, createVsd, defineDecompositionPlugin, type DecompositionPlugin } from "./plugin.js";

/** A structurally valid decomposition (no tensors: the plugin host never touches them). */
function fakeDecomposition(id: string, extra: Record<string, unknown> = {}): Decomposition {
  return {
    specificationVersion: "v1",
    id,
    subtasks: () => [{ index: 0, key: `${id}/0`, params: {} }],
    pairs: () => {
      throw new Error("not used");
    },
    createModel: () => {
      throw new Error("not used");
    },
    ...extra,
  };
}

function errorOf(fn: () => unknown): VsdError {
  try {
    fn();
  } catch (error) {
    if (VsdError.isInstance(error)) return error;
    throw new Error(`expected a VsdError, got ${String(error)}`);
  }
  throw new Error("expected a VsdError, nothing was thrown");
}

describe("defineDecompositionPlugin", () => {
  it("builds lazily, once per host, passing the factory options through", () => {
    let built = 0;
    const factory = defineDecompositionPlugin({
      name: "vsd-decomp-alpha",
      id: "alpha",
      create: (options?: { scale: number }) => {
        built++;
        return fakeDecomposition("alpha", { scale: options?.scale });
      },
    });
    const plugin = factory({ scale: 3 });
    expect(plugin).toMatchObject({ name: "vsd-decomp-alpha", id: "alpha" });
    const vsd = createVsd({ plugins: [plugin] });
    expect(built).toBe(0);
    const a = vsd.decomposition("alpha");
    expect(built).toBe(1);
    expect((a as unknown as { scale: number }).scale).toBe(3);
    // The same instance whichever way it is resolved (prepare() state must persist).
    expect(vsd.container.resolve<Decomposition>(DECOMPOSITION)).toBe(a);
    expect(vsd.decompositions()[0]).toBe(a);
    expect(built).toBe(1);
    // A second host gets its own instance.
    const b = createVsd({ plugins: [plugin] }).decomposition("alpha");
    expect(b).not.toBe(a);
    expect(built).toBe(2);
  });

  it("rejects a malformed definition", () => {
    for (const bad of [
      { name: "", id: "x", create: () => fakeDecomposition("x") },
      { name: "n", id: "", create: () => fakeDecomposition("x") },
      { name: "n", id: "x", create: 5 },
      null,
    ]) {
      const error = errorOf(() => defineDecompositionPlugin(bad as never));
      expect(error.code).toBe("PLUGIN_INVALID");
    }
  });

  it("rejects an invalid decomposition when it is resolved, naming the problems", () => {
    const broken = defineDecompositionPlugin({
      name: "vsd-decomp-broken",
      id: "broken",
      create: () => ({ specificationVersion: "v0", id: "broken", subtasks: () => [] }) as unknown as Decomposition,
    });
    const vsd = createVsd({ plugins: [broken()] });
    const error = errorOf(() => vsd.decomposition("broken"));
    expect(error.code).toBe("PLUGIN_INVALID");
    expect(error.message).toContain("vsd-decomp-broken");
    expect(error.message).toContain('specificationVersion is v0, expected "v1"');
    expect(error.message).toContain("pairs() is missing");
    expect(error.message).toContain("createModel() is missing");
  });

  it("rejects a decomposition whose id differs from the declared one", () => {
    const liar = defineDecompositionPlugin({ name: "vsd-decomp-liar", id: "liar", create: () => fakeDecomposition("other") });
    const error = errorOf(() => createVsd({ plugins: [liar()] }).decompositions());
    expect(error.code).toBe("PLUGIN_INVALID");
    expect(error.message).toMatch(/declares decomposition id "liar" but created one with id "other"/);
  });
});

describe("createVsd", () => {
  const alpha = defineDecompositionPlugin({ name: "vsd-decomp-alpha", id: "alpha", create: () => fakeDecomposition("alpha") });
  const beta = defineDecompositionPlugin({ name: "vsd-decomp-beta", id: "beta", create: () => fakeDecomposition("beta") });

  it("resolves two plugins in plugin order, and finds each by id", () => {
    const vsd = createVsd({ plugins: [beta(), alpha()] });
    expect(vsd.decompositions().map((d) => d.id)).toEqual(["beta", "alpha"]);
    expect(vsd.decomposition("alpha").id).toBe("alpha");
    expect(vsd.plugins.map((p) => p.name)).toEqual(["vsd-decomp-beta", "vsd-decomp-alpha"]);
  });

  it("rejects two plugins with the same id", () => {
    const error = errorOf(() => createVsd({ plugins: [alpha(), beta(), alpha()] }));
    expect(error.code).toBe("PLUGIN_INVALID");
    expect(error.message).toContain('"alpha"');
  });

  it("rejects things that are not plugins", () => {
    const notPlugins: unknown[] = [null, 42, "vsd-decomp-alpha", { name: "x", id: "x" }, { name: "x", register() {} }, { name: "x", id: "", register() {} }];
    for (const p of notPlugins) {
      const error = errorOf(() => createVsd({ plugins: [p as DecompositionPlugin] }));
      expect(error.code).toBe("PLUGIN_INVALID");
    }
    expect(errorOf(() => createVsd({} as never)).code).toBe("INVALID_ARGUMENT");
  });

  it("reports an unknown id with the registered ones", () => {
    const vsd = createVsd({ plugins: [alpha()] });
    const error = errorOf(() => vsd.decomposition("gamma"));
    expect(error.code).toBe("PLUGIN_NOT_FOUND");
    expect(error.message).toContain("registered: alpha");
    expect(errorOf(() => createVsd({ plugins: [] }).decomposition("alpha")).message).toContain("registered: none");
  });

  it("registers in a child container: nothing leaks into the root container or another host", () => {
    const rootHad = rootContainer.isRegistered(DECOMPOSITION, true);
    const one = createVsd({ plugins: [alpha()] });
    const two = createVsd({ plugins: [beta()] });
    expect(one.container).not.toBe(rootContainer);
    expect(one.decompositions().map((d) => d.id)).toEqual(["alpha"]);
    expect(two.decompositions().map((d) => d.id)).toEqual(["beta"]);
    expect(rootContainer.isRegistered(DECOMPOSITION, true)).toBe(rootHad);
    expect(createVsd({ plugins: [] }).decompositions()).toEqual([]);
  });

  it("a host built on a parent inherits its plugins unless it registers its own (tsyringe shadowing)", () => {
    const parent = createVsd({ plugins: [alpha()] });
    const inherits = createVsd({ plugins: [], parent: parent.container });
    expect(inherits.decompositions().map((d) => d.id)).toEqual(["alpha"]);
    expect(inherits.decomposition("alpha")).toBe(parent.decomposition("alpha"));
    const own = createVsd({ plugins: [beta()], parent: parent.container });
    expect(own.decompositions().map((d) => d.id)).toEqual(["beta"]);
    expect(parent.decompositions().map((d) => d.id)).toEqual(["alpha"]);
  });
});

describe("assertDecomposition", () => {
  it("accepts a valid decomposition and rejects non-objects", () => {
    expect(() => assertDecomposition(fakeDecomposition("ok"), "test")).not.toThrow();
    expect(errorOf(() => assertDecomposition(undefined, "src")).message).toMatch(/src returned an invalid decomposition: not an object/);
  });
});
