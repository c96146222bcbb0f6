import "reflect-metadata";
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from "tsyringe";
import type { Decomposition } from "./decomposition.js";
import { VsdError } from "./errors.js";

/** DI token under which each plugin registers its decomposition. */
export const DECOMPOSITION = Symbol.for("@vsd/core:Decomposition");

/** What a plugin package's factory returns. */
export interface DecompositionPlugin {
  /** npm package name, e.g. "@vsd/decomp-noise". */
  readonly name: string;
  /** The decomposition id it provides, e.g. "noise". */
  readonly id: string;
  /** Registers the plugin's services in the host's (child) container. */
  register(container: DependencyContainer): void;
}

/** A plugin factory: what a plugin package exports as `default` (for discovery) and by name. */
export type DecompositionPluginFactory<O = Record<string, unknown>> = (options?: O) => DecompositionPlugin;

/**
 * Defines a plugin factory from a function that builds the decomposition.
 * Registration is lazy: the decomposition is built when the host resolves it.
 *
 * ```ts
 * export default defineDecompositionPlugin({
 *   name: "vsd-decomp-dct", id: "dct",
 *   create: (opts: DctOptions = {}) => new DctDecomposition(opts),
 * });
 * ```
 */
export function defineDecompositionPlugin<O>(definition: {
  name: string;
  id: string;
  create: (options?: O) => Decomposition;
}): DecompositionPluginFactory<O> {
  const def = definition as Partial<typeof definition> | null;
  if (!def || typeof def.name !== "string" || def.name.length === 0 || typeof def.id !== "string" || def.id.length === 0 || typeof def.create !== "function") {
    throw new VsdError(
      "PLUGIN_INVALID",
      "defineDecompositionPlugin needs { name: non-empty string, id: non-empty string, create: function }.",
    );
  }
  return (options?: O) => ({
    name: definition.name,
    id: definition.id,
    register(container) {
      // Built once per registration: a decomposition may hold state that
      // `prepare()` fitted (a codebook, a schedule), so every resolve must see
      // the same instance.
      container.register(DECOMPOSITION, {
        useFactory: instanceCachingFactory(() => {
          const d = definition.create(options);
          assertDecomposition(d, definition.name);
          if (d.id !== definition.id) {
            throw new VsdError(
              "PLUGIN_INVALID",
              `${definition.name} declares decomposition id "${definition.id}" but created one with id "${d.id}".`,
            );
          }
          return d;
        }),
      });
    },
  });
}

/** The host: a child container with the plugins registered. */
export interface Vsd {
  readonly container: DependencyContainer;
  readonly plugins: readonly DecompositionPlugin[];
  /** Every registered decomposition, in plugin order. */
  decompositions(): Decomposition[];
  /** The decomposition with this id. */
  decomposition(id: string): Decomposition;
}

/**
 * Builds a host: a child of `parent` (default: tsyringe's root container) with
 * each plugin registered in it, so hosts never see each other's plugins. A host
 * with no plugins of its own sees its parent's; one with plugins sees only its own
 * (tsyringe's `resolveAll` takes the nearest container that has the token).
 */
export function createVsd(options: { plugins: readonly DecompositionPlugin[]; parent?: DependencyContainer }): Vsd {
  if (!options || !Array.isArray(options.plugins)) {
    throw new VsdError("INVALID_ARGUMENT", "createVsd needs { plugins: DecompositionPlugin[] }.");
  }
  const container = (options.parent ?? rootContainer).createChildContainer();
  const seen = new Set<string>();
  for (const p of options.plugins) {
    if (!p || typeof p !== "object" || typeof p.register !== "function" || typeof p.id !== "string" || p.id.length === 0) {
      throw new VsdError("PLUGIN_INVALID", `createVsd: ${String(p?.name ?? p)} is not a plugin (expected { name, id, register }).`);
    }
    if (seen.has(p.id)) {
      throw new VsdError("PLUGIN_INVALID", `createVsd: two plugins provide decomposition id "${p.id}".`);
    }
    seen.add(p.id);
    p.register(container);
  }
  let cache: Decomposition[] | undefined;
  const all = () => (cache ??= container.isRegistered(DECOMPOSITION, true) ? container.resolveAll<Decomposition>(DECOMPOSITION) : []);
  return {
    container,
    plugins: options.plugins,
    decompositions: all,
    decomposition(id) {
      const d = all().find((x) => x.id === id);
      if (!d) {
        throw new VsdError(
          "PLUGIN_NOT_FOUND",
          `No decomposition "${id}" is registered; registered: ${all().map((x) => x.id).join(", ") || "none"}.`,
        );
      }
      return d;
    },
  };
}

/** Checks the shape of a decomposition object a plugin returned. */
export function assertDecomposition(d: unknown, source: string): asserts d is Decomposition {
  const x = d as Partial<Decomposition> | null;
  const problems: string[] = [];
  if (!x || typeof x !== "object") problems.push("not an object");
  else {
    if (x.specificationVersion !== "v1") problems.push(`specificationVersion is ${String(x.specificationVersion)}, expected "v1"`);
    if (typeof x.id !== "string" || x.id.length === 0) problems.push("id is missing");
    if (typeof x.subtasks !== "function") problems.push("subtasks() is missing");
    if (typeof x.pairs !== "function") problems.push("pairs() is missing");
    if (typeof x.createModel !== "function") problems.push("createModel() is missing");
  }
  if (problems.length > 0) {
    throw new VsdError("PLUGIN_INVALID", `${source} returned an invalid decomposition: ${problems.join("; ")}.`);
  }
}
