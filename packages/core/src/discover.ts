import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { exports as resolveExports, legacy as resolveLegacy } from "resolve.exports";
import type { DecompositionPluginFactory } from "./plugin.js";

/** The export condition under which workspace packages point at their TypeScript sources. */
export const SOURCE_CONDITION = "@vsd/source";

/** Keyword that marks a package as a VSD plugin whatever its name. */
export const PLUGIN_KEYWORD = "vsd-plugin";

export interface DiscoverPluginsOptions {
  /**
   * Where to look from: `node_modules` of this directory and of every ancestor.
   * @default process.cwd()
   */
  readonly cwd?: string;
  /**
   * Extra plugins to load whatever their name: package names (resolved in the same
   * `node_modules` directories) or paths to package directories.
   * @default []
   */
  readonly include?: readonly string[];
  /**
   * Also look in the `node_modules` of every member of the enclosing pnpm workspace
   * (`pnpm-workspace.yaml`): pnpm links a package's dependencies only into that
   * package's own `node_modules`, so from the workspace root the plugins the
   * examples depend on are otherwise invisible.
   * @default true
   */
  readonly workspace?: boolean;
  /**
   * Export conditions used to pick each package's entry, on top of Node's
   * "import"/"node"/"default". `undefined` adds `"@vsd/source"` when this process
   * runs with that condition (vitest and tsx as configured in this repo do).
   * @default undefined
   */
  readonly conditions?: readonly string[];
}

/** A plugin package that was found and whose default export is a plugin factory. */
export interface DiscoveredPlugin {
  /** npm package name. */
  readonly name: string;
  readonly version: string;
  /** Real path of the package directory. */
  readonly dir: string;
  /** The file that was imported. */
  readonly entry: string;
  readonly factory: DecompositionPluginFactory;
}

/** A candidate package that could not be used, and why. */
export interface SkippedPlugin {
  readonly name: string;
  readonly dir: string;
  readonly reason: string;
}

/** The plugins found, in search order (nearest first), with the skipped candidates alongside. */
export type DiscoveredPlugins = DiscoveredPlugin[] & { readonly skipped: readonly SkippedPlugin[] };

interface PackageJson {
  name?: unknown;
  version?: unknown;
  keywords?: unknown;
  exports?: unknown;
  main?: unknown;
  module?: unknown;
}

interface Candidate {
  readonly dir: string;
  readonly pkg: PackageJson;
  readonly name: string;
}

/**
 * Finds installed decomposition plugins: packages named `@vsd/decomp-*`,
 * `vsd-decomp-*` or `@scope/vsd-decomp-*`, or with the keyword "vsd-plugin"
 * (the way ESLint, Babel and unified find plugins by name). Each is loaded with
 * dynamic `import()` and its `default` export must be a
 * `DecompositionPluginFactory`; anything else lands in `skipped` with the reason,
 * never in an exception.
 *
 * ```ts
 * const found = await discoverPlugins();
 * const vsd = createVsd({ plugins: found.map((p) => p.factory()) });
 * ```
 */
export async function discoverPlugins(options: DiscoverPluginsOptions = {}): Promise<DiscoveredPlugins> {
  const cwd = resolvePath(options.cwd ?? process.cwd());
  const conditions = options.conditions ?? (runsWithSourceCondition() ? [SOURCE_CONDITION] : []);
  const dirs = searchDirs(cwd, options.workspace ?? true);

  const candidates: Candidate[] = [];
  const skipped: SkippedPlugin[] = [];
  const seen = new Set<string>();
  const add = (dir: string, required: boolean) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      if (required) skipped.push({ name: dir, dir, reason: "no such directory" });
      return;
    }
    if (seen.has(real)) return;
    const pkg = readPackageJson(real);
    if (!pkg) {
      if (required) skipped.push({ name: dir, dir: real, reason: "no readable package.json" });
      return;
    }
    const name = typeof pkg.name === "string" ? pkg.name : dir;
    if (!required && !isPluginPackage(name, pkg)) return;
    seen.add(real);
    candidates.push({ dir: real, pkg, name });
  };

  for (const nm of dirs) for (const dir of packageDirs(nm)) add(dir, false);
  for (const item of options.include ?? []) {
    if (isAbsolute(item) || item.startsWith(".")) {
      add(resolvePath(cwd, item), true);
      continue;
    }
    const dir = dirs.map((nm) => join(nm, item)).find((d) => existsSync(join(d, "package.json")));
    if (dir) add(dir, true);
    else skipped.push({ name: item, dir: "", reason: `not installed where ${cwd} can see it` });
  }

  const plugins: DiscoveredPlugin[] = [];
  const byName = new Map<string, string>();
  for (const c of candidates) {
    // Two copies of one package (e.g. different versions in nested node_modules):
    // the nearest wins, as Node's own resolution from `cwd` would pick it.
    const first = byName.get(c.name);
    if (first !== undefined) {
      skipped.push({ name: c.name, dir: c.dir, reason: `shadowed by the nearer copy in ${first}` });
      continue;
    }
    byName.set(c.name, c.dir);
    const loaded = await loadCandidate(c, conditions);
    if ("reason" in loaded) skipped.push(loaded);
    else plugins.push(loaded);
  }
  return Object.assign(plugins, { skipped });
}

/** True for the plugin naming conventions and the plugin keyword. */
export function isPluginPackage(name: string, pkg: { keywords?: unknown } = {}): boolean {
  if (/^@vsd\/decomp-[^/]+$/.test(name) || /^(@[^/]+\/)?vsd-decomp-[^/]+$/.test(name)) return true;
  return Array.isArray(pkg.keywords) && pkg.keywords.includes(PLUGIN_KEYWORD);
}

async function loadCandidate(c: Candidate, conditions: readonly string[]): Promise<DiscoveredPlugin | SkippedPlugin> {
  const skip = (reason: string): SkippedPlugin => ({ name: c.name, dir: c.dir, reason });
  let entry: string;
  try {
    entry = entryFile(c.dir, c.pkg, conditions);
  } catch (error) {
    return skip(`cannot resolve its entry: ${message(error)}`);
  }
  if (!existsSync(entry)) return skip(`entry ${entry} does not exist (is the package built?)`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (error) {
    return skip(`import failed: ${message(error)}`);
  }
  const factory = mod.default;
  if (typeof factory !== "function") {
    return skip(`its default export is ${describe(factory)}, not a plugin factory (a function returning { name, id, register })`);
  }
  // A factory is cheap to call (registration is lazy); calling it is the only way
  // to tell a plugin factory from any other function.
  let plugin: unknown;
  try {
    plugin = (factory as () => unknown)();
  } catch (error) {
    return skip(`its default export threw when called without options: ${message(error)}`);
  }
  const p = plugin as { name?: unknown; id?: unknown; register?: unknown } | null;
  if (!p || typeof p !== "object" || typeof p.id !== "string" || typeof p.name !== "string" || typeof p.register !== "function") {
    return skip(`its default export returned ${describe(plugin)}, not a plugin ({ name, id, register })`);
  }
  return {
    name: c.name,
    version: typeof c.pkg.version === "string" ? c.pkg.version : "0.0.0",
    dir: c.dir,
    entry,
    factory: factory as DecompositionPluginFactory,
  };
}

/** The file `import(name)` would load, honouring `conditions` and the `exports` map. */
function entryFile(dir: string, pkg: PackageJson, conditions: readonly string[]): string {
  if (pkg.exports !== undefined) {
    const found = resolveExports(pkg as Parameters<typeof resolveExports>[0], ".", { conditions });
    if (!found || found.length === 0) throw new Error(`its "exports" map has no "." entry`);
    return join(dir, found[0]!);
  }
  const legacy = resolveLegacy(pkg as Parameters<typeof resolveLegacy>[0], { fields: ["module", "main"] });
  return join(dir, typeof legacy === "string" ? legacy : "index.js");
}

/**
 * Whether this process resolves `@vsd/source`: either Node runs with
 * `--conditions=@vsd/source`, or core itself was loaded from its `.ts` sources,
 * which only happens when the host resolved it through that condition (vitest).
 */
function runsWithSourceCondition(): boolean {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--conditions=${SOURCE_CONDITION}` || a === `-C=${SOURCE_CONDITION}`) return true;
    if ((a === "--conditions" || a === "-C") && args[i + 1] === SOURCE_CONDITION) return true;
  }
  return import.meta.url.endsWith(".ts");
}

/** `node_modules` directories visible from `cwd` (nearest first), then the workspace members'. */
function searchDirs(cwd: string, workspace: boolean): string[] {
  const out: string[] = [];
  let root: string | undefined;
  for (let dir = cwd; ; dir = dirname(dir)) {
    const nm = join(dir, "node_modules");
    if (isDirectory(nm)) out.push(nm);
    if (root === undefined && existsSync(join(dir, "pnpm-workspace.yaml"))) root = dir;
    if (dirname(dir) === dir) break;
  }
  if (workspace && root !== undefined) {
    for (const member of workspaceMembers(root)) {
      const nm = join(member, "node_modules");
      if (isDirectory(nm) && !out.includes(nm)) out.push(nm);
    }
  }
  return out;
}

/**
 * Member directories of a pnpm workspace: the `packages:` globs of
 * `pnpm-workspace.yaml`. Supports what workspaces use in practice: exact
 * directories and a trailing `/*` or `/**`; negations are honoured.
 */
export function workspaceMembers(root: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(root, "pnpm-workspace.yaml"), "utf8");
  } catch {
    return [];
  }
  const patterns: string[] = [];
  let inPackages = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, "");
    if (/^\S/.test(line)) {
      inPackages = /^packages\s*:/.test(line);
      continue;
    }
    const m = inPackages ? /^\s+-\s+["']?([^"']+?)["']?\s*$/.exec(line) : null;
    if (m) patterns.push(m[1]!);
  }
  const include = new Set<string>();
  const exclude = new Set<string>();
  for (const p of patterns) {
    const negated = p.startsWith("!");
    const target = negated ? exclude : include;
    for (const dir of expandPattern(root, negated ? p.slice(1) : p)) target.add(dir);
  }
  return [...include].filter((d) => !exclude.has(d));
}

function expandPattern(root: string, pattern: string): string[] {
  const clean = pattern.replace(/^\.\//, "").replace(/\/+$/, "");
  const star = /^(.*?)\/\*\*?$/.exec(clean);
  if (!star) return isDirectory(join(root, clean)) ? [join(root, clean)] : [];
  const base = join(root, star[1]!);
  if (!isDirectory(base)) return [];
  return readdirSync(base)
    .filter((e) => !e.startsWith(".") && e !== "node_modules")
    .map((e) => join(base, e))
    .filter((d) => existsSync(join(d, "package.json")));
}

/** Package directories directly inside a `node_modules` (scoped ones one level deeper). */
function packageDirs(nm: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(nm);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    if (e.startsWith(".")) continue;
    if (e.startsWith("@")) {
      let scoped: string[] = [];
      try {
        scoped = readdirSync(join(nm, e));
      } catch {
        continue;
      }
      for (const s of scoped.sort()) if (!s.startsWith(".")) out.push(join(nm, e, s));
    } else out.push(join(nm, e));
  }
  return out;
}

function readPackageJson(dir: string): PackageJson | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    return v && typeof v === "object" ? (v as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (typeof v === "function") return "a function";
  if (typeof v === "object") return "an object";
  return `a ${typeof v} (${String(v)})`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
