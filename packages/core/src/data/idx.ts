import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { VsdError } from "../errors.js";

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  /** Dimensions, outermost first, e.g. `[60000, 28, 28]` or `[60000]`. */
  readonly dims: readonly number[];
  /** The values, row-major; `length` is the product of `dims`. */
  readonly data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

/**
 * Parses an IDX file (the format of MNIST and Fashion-MNIST, LeCun et al.,
 * http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte, a byte with
 * the number of dimensions, one big-endian uint32 per dimension, then the data.
 * Gzipped input (magic 1f 8b) is inflated first. Only the unsigned-byte type
 * (0x08) is supported, which is what image and label files use.
 *
 * `expectedRank` (when given) is checked. A wrong header, a rank mismatch or a
 * payload that is shorter or longer than the header says → `CORRUPT_FILE`
 * naming the file and what was expected.
 */
export function parseIdx(bytes: Uint8Array, source = "IDX data", expectedRank?: number | readonly number[]): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (error) {
      throw new VsdError(
        "CORRUPT_FILE",
        `${source}: gzip stream is truncated or corrupt (${(error as Error).message}); expected a complete gzipped IDX file.`,
        { cause: error },
      );
    }
  }
  if (buf.length < 4) {
    throw new VsdError("CORRUPT_FILE", `${source}: ${buf.length} bytes is too short for an IDX header (4-byte magic number).`);
  }
  const type = buf[2]!;
  const rank = buf[3]!;
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new VsdError(
      "CORRUPT_FILE",
      `${source}: bad IDX magic number 0x${hex(buf, 4)}; expected 0x0000 then a type byte and a rank byte (e.g. 0x00000803 for images, 0x00000801 for labels).`,
    );
  }
  if (type !== UBYTE) {
    throw new VsdError(
      "CORRUPT_FILE",
      `${source}: IDX element type 0x${type.toString(16).padStart(2, "0")} (${TYPE_NAMES[type] ?? "unknown"}); expected 0x08 (unsigned byte).`,
    );
  }
  const ranks = expectedRank === undefined ? undefined : typeof expectedRank === "number" ? [expectedRank] : expectedRank;
  if (rank === 0 || (ranks && !ranks.includes(rank))) {
    throw new VsdError(
      "CORRUPT_FILE",
      `${source}: IDX file has ${rank} dimensions; expected ${ranks ? ranks.join(" or ") : "at least 1"}.`,
    );
  }
  const headerLen = 4 + 4 * rank;
  if (buf.length < headerLen) {
    throw new VsdError(
      "CORRUPT_FILE",
      `${source}: truncated header: ${buf.length} bytes, expected ${headerLen} for ${rank} dimensions.`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const payload = buf.length - headerLen;
  if (payload !== size) {
    throw new VsdError(
      "CORRUPT_FILE",
      `${source}: header says ${dims.join("×")} = ${size} bytes of data but the file has ${payload}; ${payload < size ? "it is truncated" : "it has trailing bytes"}.`,
    );
  }
  // Copy so the result does not pin a large inflated buffer or alias the input.
  return { dims, data: buf.slice(headerLen) };
}

/** Reads and parses an IDX file (raw or gzipped). A missing or unreadable file → `IO_ERROR`. */
export function readIdx(path: string, expectedRank?: number | readonly number[]): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new VsdError("IO_ERROR", `Could not read IDX file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseIdx(bytes, path, expectedRank);
}

function hex(buf: Uint8Array, n: number): string {
  return Array.from(buf.subarray(0, n), (b) => b.toString(16).padStart(2, "0")).join("");
}
