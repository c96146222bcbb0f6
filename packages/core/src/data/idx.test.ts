import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { FASHION_MNIST_DIR, loadFashionMnist } from "./fashion-mnist.js";
import { parseIdx, readIdx } from "./idx.js";
import { loadIdx, loadIdxSplits } from "./load-idx.js";

/** IDX bytes: 0x0000, type 0x08, rank, big-endian dims, payload. */
function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

const dir = mkdtempSync(join(tmpdir(), "vsd-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 30 images of 3×2 whose pixels encode (image, position); labels i % 3.
const N = 30;
const images = Uint8Array.from({ length: N * 6 }, (_, k) => (Math.floor(k / 6) * 8 + (k % 6)) % 256);
const labels = Uint8Array.from({ length: N }, (_, i) => i % 3);
const imgRaw = idxBytes([N, 3, 2], images);
const labRaw = idxBytes([N], labels);
function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const imgPath = file("toy-images-idx3-ubyte", imgRaw);
const labPath = file("toy-labels-idx1-ubyte", labRaw);
const imgGz = file("toy-images-idx3-ubyte.gz", gzipSync(imgRaw));
const labGz = file("toy-labels-idx1-ubyte.gz", gzipSync(labRaw));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe("readIdx", () => {
  it("reads raw and gzipped files to the same array", () => {
    const a = readIdx(imgPath);
    const b = readIdx(imgGz);
    expect(a.dims).toEqual([N, 3, 2]);
    expect(b.dims).toEqual([N, 3, 2]);
    expect([...a.data]).toEqual([...images]);
    expect([...b.data]).toEqual([...images]);
    expect([...readIdx(labGz, 1).data]).toEqual([...labels]);
  });

  it("rejects corrupt and truncated files with CORRUPT_FILE saying what was expected", () => {
    const bad = (bytes: Uint8Array, rank?: number) => () => parseIdx(bytes, "x", rank);
    const wrongMagic = Uint8Array.from(imgRaw);
    wrongMagic[0] = 7;
    expect(codeOf(bad(wrongMagic))).toBe("CORRUPT_FILE");
    expect(() => parseIdx(wrongMagic)).toThrow(/expected 0x0000/);
    const wrongType = Uint8Array.from(imgRaw);
    wrongType[2] = 0x0d;
    expect(() => parseIdx(wrongType)).toThrow(/float32.*expected 0x08/);
    expect(() => parseIdx(imgRaw, "x", 1)).toThrow(/3 dimensions; expected 1/);
    expect(() => parseIdx(imgRaw.subarray(0, imgRaw.length - 1))).toThrow(/180 bytes of data but the file has 179; it is truncated/);
    expect(() => parseIdx(Buffer.concat([imgRaw, Buffer.from([1])]))).toThrow(/trailing bytes/);
    expect(() => parseIdx(imgRaw.subarray(0, 9))).toThrow(/truncated header/);
    expect(codeOf(bad(imgRaw.subarray(0, 3)))).toBe("CORRUPT_FILE");
    const gz = gzipSync(imgRaw);
    expect(() => parseIdx(gz.subarray(0, gz.length - 10))).toThrow(/gzip stream is truncated or corrupt/);
    expect(codeOf(bad(gz.subarray(0, gz.length - 10)))).toBe("CORRUPT_FILE");
  });

  it("a missing file is an IO_ERROR", () => {
    expect(codeOf(() => readIdx(join(dir, "nope.gz")))).toBe("IO_ERROR");
    expect(codeOf(() => loadFashionMnist(join(dir, "no-such-dir")))).toBe("IO_ERROR");
  });
});

describe("loadIdx", () => {
  it("splits one labelled file deterministically and keeps rows intact", () => {
    const ds = loadIdx(imgGz, labGz, { testFraction: 0.2, seed: 1 });
    expect(ds).toMatchObject({ name: "toy", height: 3, width: 2, channels: 1, numClasses: 3 });
    expect(ds.train.n).toBe(24);
    expect(ds.test.n).toBe(6);
    // Each row is an original image with its own label (pixel 0 encodes the image index).
    for (const split of [ds.train, ds.test]) {
      for (let r = 0; r < split.n; r++) {
        const i = split.pixels[r * 6]! / 8;
        expect([...split.pixels.subarray(r * 6, r * 6 + 6)]).toEqual([...images.subarray(i * 6, i * 6 + 6)]);
        expect(split.labels![r]).toBe(i % 3);
      }
    }
    expect([...ds.test.labels!].sort()).toEqual([0, 0, 1, 1, 2, 2]);
    expect(loadIdx(imgPath, labPath, { seed: 1 }).test.pixels).toEqual(ds.test.pixels);
  });

  it("works without labels and rejects mismatched or out-of-range labels", () => {
    const ds = loadIdx(imgPath, undefined, { name: "u" });
    expect(ds.numClasses).toBeUndefined();
    expect(ds.train.labels).toBeUndefined();
    expect(ds.train.n + ds.test.n).toBe(N);
    const short = file("short-labels", idxBytes([N - 1], labels.subarray(0, N - 1)));
    expect(codeOf(() => loadIdx(imgPath, short))).toBe("INVALID_SHAPE");
    expect(codeOf(() => loadIdx(imgPath, labPath, { numClasses: 2 }))).toBe("INVALID_RANGE");
  });

  it("loadIdxSplits keeps file order and limits", () => {
    const ds = loadIdxSplits({ train: { images: imgPath, labels: labPath }, test: { images: imgGz, labels: labGz } }, { testLimit: 5 });
    expect(ds.train.n).toBe(N);
    expect(ds.test.n).toBe(5);
    expect([...ds.test.pixels]).toEqual([...images.subarray(0, 30)]);
    expect(ds.numClasses).toBe(3);
    const other = file("other-images", idxBytes([2, 2, 3], new Uint8Array(12)));
    expect(codeOf(() => loadIdxSplits({ train: { images: imgPath }, test: { images: other } }))).toBe("INVALID_SHAPE");
  });
});

describe.skipIf(!existsSync(FASHION_MNIST_DIR))("loadFashionMnist (Debian dataset-fashion-mnist)", () => {
  it("loads 60,000 + 10,000 labelled 28×28 images", () => {
    const ds = loadFashionMnist(FASHION_MNIST_DIR, { testLimit: 1000 });
    expect(ds).toMatchObject({ name: "fashion-mnist", height: 28, width: 28, channels: 1, numClasses: 10 });
    expect(ds.train.n).toBe(60_000);
    expect(ds.test.n).toBe(1000);
    // Known facts of the data set: 6,000 train images per class; the first train and test items are ankle boots (9).
    const counts = new Array<number>(10).fill(0);
    for (const l of ds.train.labels!) counts[l]! += 1;
    expect(counts).toEqual(new Array(10).fill(6000));
    expect(ds.train.labels![0]).toBe(9);
    expect(ds.test.labels![0]).toBe(9);
  });
});
