import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverPlugins, isPluginPackage, workspaceMembers } from "./discover.js";
import { createVsd } from "./plugin.js";

/** A fake package: package.json plus files (paths relative to the package). */
function writePackage(dir: string, pkg: Record<string, unknown>, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify(pkg));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
}

/** A plugin module whose decomposition id is `id` (plain JS, no imports). */
function pluginSource(name: string, id: string): string {
  return `export default function factory(options) {
  return { name: ${JSON.stringify(name)}, id: ${JSON.stringify(id)}, options, register() {} };
}\n`;
}

describe("discoverPlugins", () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "vsd-discover-"));
    const nm = join(root, "node_modules");
    writePackage(join(nm, "vsd-decomp-good"), { name: "vsd-decomp-good", version: "1.2.3", type: "module", main: "index.js" }, {
      "index.js": pluginSource("vsd-decomp-good", "good"),
    });
    // Default export is not a function.
    writePackage(join(nm, "@vsd", "decomp-bad"), { name: "@vsd/decomp-bad", version: "0.1.0", type: "module", exports: "./index.js" }, {
      "index.js": "export default 42;\n",
    });
    // A function, but not a factory.
    writePackage(join(nm, "vsd-decomp-notfactory"), { name: "vsd-decomp-notfactory", version: "0.1.0", type: "module" }, {
      "index.js": "export default function () { return 'hello'; }\n",
    });
    // Import throws.
    writePackage(join(nm, "vsd-decomp-throws"), { name: "vsd-decomp-throws", version: "0.1.0", type: "module" }, {
      "index.js": "throw new Error('boom at import');\n",
    });
    // Keyword instead of name; exports map with the source condition first.
    writePackage(
      join(nm, "@acme", "dct"),
      {
        name: "@acme/dct",
        version: "2.0.0",
        type: "module",
        keywords: ["vsd-plugin"],
        exports: { ".": { "@vsd/source": "./src/index.js", default: "./dist/index.js" } },
      },
      { "src/index.js": pluginSource("@acme/dct", "dct-source"), "dist/index.js": pluginSource("@acme/dct", "dct-dist") },
    );
    // Built entry missing.
    writePackage(join(nm, "vsd-decomp-unbuilt"), { name: "vsd-decomp-unbuilt", version: "0.1.0", type: "module", exports: { ".": { default: "./dist/index.js" } } }, {});
    // Not a plugin: ignored entirely.
    writePackage(join(nm, "left-pad"), { name: "left-pad", version: "1.0.0", type: "module" }, { "index.js": "export default 1;\n" });
    writePackage(join(root, "outside", "custom"), { name: "custom-thing", version: "0.0.1", type: "module" }, {
      "index.js": pluginSource("custom-thing", "custom"),
    });
    mkdirSync(join(root, "a", "b"), { recursive: true });
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("loads good plugins, reports bad ones in skipped with a reason, ignores other packages", async () => {
    const found = await discoverPlugins({ cwd: root, workspace: false });
    expect(found.map((p) => p.name).sort()).toEqual(["@acme/dct", "vsd-decomp-good"]);
    const good = found.find((p) => p.name === "vsd-decomp-good")!;
    expect(good.version).toBe("1.2.3");
    const plugin = good.factory({ k: 1 });
    expect(plugin.id).toBe("good");
    const reasons = Object.fromEntries(found.skipped.map((s) => [s.name, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      "@vsd/decomp-bad",
      "vsd-decomp-notfactory",
      "vsd-decomp-throws",
      "vsd-decomp-unbuilt",
    ]);
    expect(reasons["@vsd/decomp-bad"]).toMatch(/default export is a number \(42\), not a plugin factory/);
    expect(reasons["vsd-decomp-notfactory"]).toMatch(/returned a string/);
    expect(reasons["vsd-decomp-throws"]).toMatch(/import failed: boom at import/);
    expect(reasons["vsd-decomp-unbuilt"]).toMatch(/does not exist/);
    expect(found.skipped.some((s) => s.name === "left-pad")).toBe(false);
  });

  it("honours the @vsd/source condition when the process runs with it (vitest does), else the default export", async () => {
    const auto = await discoverPlugins({ cwd: root, workspace: false });
    expect(auto.find((p) => p.name === "@acme/dct")!.factory().id).toBe("dct-source");
    const plain = await discoverPlugins({ cwd: root, workspace: false, conditions: [] });
    const dct = plain.find((p) => p.name === "@acme/dct")!;
    expect(dct.entry.endsWith(join("dist", "index.js"))).toBe(true);
    expect(dct.factory().id).toBe("dct-dist");
  });

  it("walks up node_modules from a nested cwd and loads explicitly included packages", async () => {
    const found = await discoverPlugins({
      cwd: join(root, "a", "b"),
      workspace: false,
      include: ["../../outside/custom", "left-pad", "not-installed"],
    });
    const names = found.map((p) => p.name);
    expect(names).toContain("vsd-decomp-good");
    expect(names).toContain("custom-thing");
    const skipped = Object.fromEntries(found.skipped.map((s) => [s.name, s.reason]));
    expect(skipped["left-pad"]).toMatch(/not a plugin factory/);
    expect(skipped["not-installed"]).toMatch(/not installed/);
  });

  it("keeps the nearest copy of a package found twice and reports the other as shadowed", async () => {
    const nested = join(root, "a", "node_modules", "vsd-decomp-good");
    writePackage(nested, { name: "vsd-decomp-good", version: "9.9.9", type: "module" }, {
      "index.js": pluginSource("vsd-decomp-good", "good-nested"),
    });
    try {
      const found = await discoverPlugins({ cwd: join(root, "a", "b"), workspace: false });
      const good = found.filter((p) => p.name === "vsd-decomp-good");
      expect(good.map((p) => p.version)).toEqual(["9.9.9"]);
      const shadowed = found.skipped.find((s) => s.name === "vsd-decomp-good")!;
      expect(shadowed.dir).toBe(join(root, "node_modules", "vsd-decomp-good"));
      expect(shadowed.reason).toMatch(/shadowed by the nearer copy/);
    } finally {
      rmSync(join(root, "a", "node_modules"), { recursive: true, force: true });
    }
  });

  it("finds plugins linked only into a pnpm workspace member's node_modules", async () => {
    const ws = mkdtempSync(join(tmpdir(), "vsd-ws-"));
    try {
      writeFileSync(join(ws, "pnpm-workspace.yaml"), "packages:\n  - packages/*\n  - 'examples' # the scripts\n  - '!packages/skip'\ncatalog:\n  x: 1\n");
      writePackage(join(ws, "packages", "decomp-x"), { name: "@vsd/decomp-x", version: "0.3.0", type: "module" }, {
        "index.js": pluginSource("@vsd/decomp-x", "x"),
      });
      writePackage(join(ws, "packages", "skip"), { name: "skip", version: "0.0.0" }, {});
      writePackage(join(ws, "examples"), { name: "examples", version: "0.0.0" }, {});
      mkdirSync(join(ws, "examples", "node_modules", "@vsd"), { recursive: true });
      symlinkSync(join(ws, "packages", "decomp-x"), join(ws, "examples", "node_modules", "@vsd", "decomp-x"), "dir");
      expect(workspaceMembers(ws).sort()).toEqual([join(ws, "examples"), join(ws, "packages", "decomp-x")]);

      const found = await discoverPlugins({ cwd: ws });
      expect(found.map((p) => [p.name, p.version])).toEqual([["@vsd/decomp-x", "0.3.0"]]);
      expect(found[0]!.dir).toBe(join(ws, "packages", "decomp-x"));
      expect(await discoverPlugins({ cwd: ws, workspace: false })).toHaveLength(0);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it("discovered factories plug into createVsd", async () => {
    const found = await discoverPlugins({ cwd: root, workspace: false });
    const vsd = createVsd({ plugins: found.map((p) => p.factory()) });
    expect(vsd.plugins.map((p) => p.id).sort()).toEqual(["dct-source", "good"]);
  });

  it("sees this repository's own plugin packages from the workspace root", async () => {
    const repo = fileURLToPath(new URL("../../..", import.meta.url));
    // conditions: [] → the (unbuilt) dist entries: found by name and skipped, without importing others' sources.
    const found = await discoverPlugins({ cwd: repo, conditions: [] });
    const seen = [...found.map((p) => p.name), ...found.skipped.map((s) => s.name)];
    for (const name of ["@vsd/decomp-patch", "@vsd/decomp-depth", "@vsd/decomp-noise", "@vsd/decomp-learnable"]) {
      expect(seen).toContain(name);
    }
    expect(seen).not.toContain("@vsd/core");
    expect(seen).not.toContain("@vsd/eval");
  });

  it("matches the naming conventions", () => {
    expect(isPluginPackage("@vsd/decomp-noise")).toBe(true);
    expect(isPluginPackage("vsd-decomp-dct")).toBe(true);
    expect(isPluginPackage("@someone/vsd-decomp-dct")).toBe(true);
    expect(isPluginPackage("@vsd/core")).toBe(false);
    expect(isPluginPackage("@vsd/decomp-noise/extra")).toBe(false);
    expect(isPluginPackage("decomp-noise")).toBe(false);
    expect(isPluginPackage("whatever", { keywords: ["vsd-plugin"] })).toBe(true);
  });
});
