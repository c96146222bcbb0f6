import { describe, expect, it } from "vitest";
import { VsdError } from "../errors.js";
import { fixed, formatBenchTable } from "./bench-table.js";
import { median } from "./median.js";

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return VsdError.isInstance(e) ? e.code : "not a VsdError";
  }
  return undefined;
};

describe("formatBenchTable", () => {
  it("pads every column to its widest cell (known answer)", () => {
    const table = formatBenchTable(
      ["case", "VSD ms", "ratio (target ≤ 2)"],
      [
        ["train step (batch 64)", "12.3", "1.50"],
        ["sample", "skipped", ""],
      ],
    );
    expect(table).toBe(
      [
        "| case                  | VSD ms  | ratio (target ≤ 2) |",
        "|-----------------------|---------|--------------------|",
        "| train step (batch 64) | 12.3    | 1.50               |",
        "| sample                | skipped |                    |",
      ].join("\n"),
    );
  });

  it("escapes pipes and newlines and pads the escaped text", () => {
    const table = formatBenchTable(["a|b", "c"], [["x\ny", "1"]]);
    expect(table).toBe(["| a\\|b   | c |", "|--------|---|", "| x<br>y | 1 |"].join("\n"));
  });

  it("prints only the header and rule for no rows", () => {
    expect(formatBenchTable(["only"], [])).toBe("| only |\n|------|");
  });

  it("rejects ragged rows and an empty header", () => {
    expect(codeOf(() => formatBenchTable(["a", "b"], [["1", "2"], ["3"]]))).toBe("INVALID_SHAPE");
    expect(codeOf(() => formatBenchTable([], []))).toBe("INVALID_ARGUMENT");
  });
});

describe("fixed", () => {
  it("formats finite numbers and marks missing ones", () => {
    expect(fixed(1234.5678)).toBe("1234.6");
    expect(fixed(0.125, 2)).toBe("0.13");
    expect(fixed(undefined)).toBe("—");
    expect(fixed(Number.NaN, 2)).toBe("—");
    expect(fixed(Number.POSITIVE_INFINITY)).toBe("—");
    expect(fixed(undefined, 2, "n/a")).toBe("n/a");
  });
});

describe("median", () => {
  it("takes the middle value, the upper middle for an even count, without mutating", () => {
    const xs = [5, 1, 4, 2, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([7])).toBe(7);
    expect(median([10, 9, 100, 8])).toBe(10); // numeric, not lexicographic, order
  });

  it("rejects an empty list", () => {
    expect(codeOf(() => median([]))).toBe("INVALID_ARGUMENT");
  });
});
