import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { backendInfo } from "../backend.js";
import { VsdError } from "../errors.js";
import { writeFileAtomic, writeJsonAtomic } from "../io.js";
import { savePng } from "./image-grid.js";
import { runtimeVersions } from "./versions.js";

/** What {@link writeReport} writes. */
export interface ReportContent {
  /** Machine-readable results; written to results.json with the run's metadata merged in. */
  readonly results: Record<string, unknown>;
  /** The human-readable report, written to report.md. */
  readonly markdown: string;
  /** PNG files by file name (e.g. `{"samples.png": bytes}`), written next to report.md. */
  readonly images?: Readonly<Record<string, Uint8Array>>;
  /** The run's configuration. */
  readonly config?: unknown;
  /** The run's seed. */
  readonly seed?: number;
  /** Extra package versions to record (e.g. the plugins used). */
  readonly versions?: Readonly<Record<string, string>>;
}

/** Where {@link writeReport} put things. */
export interface WrittenReport {
  readonly dir: string;
  /** Absolute paths of every file written, results.json first. */
  readonly files: readonly string[];
}

/**
 * Writes a report folder: `results.json` (the results plus `createdAt`,
 * `backend`, `seed`, `versions` {node, @tensorflow/tfjs-core, @vsd/core, the
 * backend package, …} and `config`), `report.md`, and each PNG, every file
 * atomically. Keys already in `results` win over the metadata of the same name.
 * `backend` is null when `initBackend` has not run in this process.
 */
export async function writeReport(dir: string, content: ReportContent): Promise<WrittenReport> {
  const images = content.images ?? {};
  for (const [name, bytes] of Object.entries(images)) {
    if (!/^[\w.-]+\.png$/i.test(name) || name.startsWith(".")) {
      throw new VsdError("INVALID_ARGUMENT", `writeReport: image name "${name}" must be a plain file name ending in .png.`);
    }
    if (!(bytes instanceof Uint8Array)) throw new VsdError("INVALID_ARGUMENT", `writeReport: image "${name}" is not bytes.`);
  }
  if (typeof content.markdown !== "string") throw new VsdError("INVALID_ARGUMENT", "writeReport: markdown must be a string.");
  const info = await backendInfo().catch(() => undefined);
  const backend = info
    ? { name: info.name, package: info.package, ...(info.simd !== undefined ? { simd: info.simd } : {}), ...(info.threads !== undefined ? { threads: info.threads } : {}) }
    : null;
  const meta = {
    createdAt: new Date().toISOString(),
    backend,
    seed: content.seed ?? null,
    versions: { ...runtimeVersions(info?.package), ...content.versions },
    config: content.config ?? null,
  };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new VsdError("IO_ERROR", `writeReport: cannot create ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const files = [join(dir, "results.json"), join(dir, "report.md")];
  writeJsonAtomic(files[0]!, { ...meta, ...content.results });
  writeFileAtomic(files[1]!, content.markdown.endsWith("\n") ? content.markdown : `${content.markdown}\n`);
  for (const [name, bytes] of Object.entries(images)) {
    const p = join(dir, name);
    savePng(p, bytes);
    files.push(p);
  }
  return { dir, files };
}
