import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";

const require = createRequire(import.meta.url);

/** The installed version of an npm package, or undefined when it cannot be resolved from core. */
export function packageVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

let coreVersion: string | undefined;

/** Version of `@vsd/core` itself (its package.json, found from this file in src/ or dist/). */
export function vsdCoreVersion(): string | undefined {
  if (coreVersion) return coreVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, "package.json");
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@vsd/core") return (coreVersion = pkg.version);
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** Versions recorded in every report: node, tfjs-core, @vsd/core and the backend package in use. */
export function runtimeVersions(backendPackage?: string): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node, "@tensorflow/tfjs-core": tf.version_core };
  const core = vsdCoreVersion();
  if (core) out["@vsd/core"] = core;
  if (backendPackage && backendPackage !== "@tensorflow/tfjs-core") {
    const v = packageVersion(backendPackage);
    if (v) out[backendPackage] = v;
  }
  return out;
}
