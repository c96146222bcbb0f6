import { describe, expect, it } from "vitest";
import type { ImageDataset } from "../dataset.js";
import { validateDataset } from "./validate.js";

const good: ImageDataset = {
  name: "toy",
  height: 2,
  width: 3,
  channels: 1,
  numClasses: 2,
  train: { n: 2, pixels: new Uint8Array(12), labels: Int32Array.from([0, 1]) },
  test: { n: 1, pixels: new Uint8Array(6), labels: Int32Array.from([1]) },
};

function codeOf(ds: unknown): string | undefined {
  try {
    validateDataset(ds as ImageDataset);
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe("validateDataset", () => {
  it("accepts a consistent data set and returns it", () => {
    expect(validateDataset(good)).toBe(good);
  });

  it("names each kind of defect with its code", () => {
    expect(codeOf({ ...good, height: 2.5 })).toBe("INVALID_SHAPE");
    expect(codeOf({ ...good, channels: 0 })).toBe("INVALID_SHAPE");
    expect(codeOf({ ...good, train: { ...good.train, pixels: new Uint8Array(11) } })).toBe("INVALID_SHAPE");
    expect(codeOf({ ...good, train: { ...good.train, pixels: new Float32Array(12) } })).toBe("INVALID_SHAPE");
    expect(codeOf({ ...good, train: { ...good.train, n: 1.5 } })).toBe("INVALID_SHAPE");
    expect(codeOf({ ...good, train: { ...good.train, labels: Int32Array.from([0]) } })).toBe("INVALID_SHAPE");
    expect(codeOf({ ...good, numClasses: undefined })).toBe("INVALID_SHAPE");
    expect(codeOf({ ...good, test: { n: 0, pixels: new Uint8Array(0) } })).toBe("EMPTY_DATASET");
    expect(codeOf({ ...good, test: undefined })).toBe("EMPTY_DATASET");
    expect(codeOf({ ...good, test: { ...good.test, labels: Int32Array.from([2]) } })).toBe("INVALID_RANGE");
    expect(codeOf({ ...good, train: { ...good.train, labels: Int32Array.from([0, -1]) } })).toBe("INVALID_RANGE");
    expect(codeOf({ ...good, numClasses: 0 })).toBe("INVALID_RANGE");
  });

  it("messages say what was expected", () => {
    expect(() => validateDataset({ ...good, train: { ...good.train, pixels: new Uint8Array(11) } })).toThrow(
      /expected 2×2×3×1 = 12 bytes, got 11/,
    );
  });
});
