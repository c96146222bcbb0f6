import { describe, expect, it } from "vitest";
import { markdownTable } from "./markdown-table.js";

describe("markdownTable", () => {
  it("formats numbers, aligns numeric columns right and escapes cells", () => {
    const t = markdownTable(
      ["strategy", "bits/dim", "steps"],
      [
        ["patch | raster", 1.234567, 1000],
        ["noise\nvdm", Number.POSITIVE_INFINITY, null],
      ],
    );
    expect(t).toBe(
      [
        "| strategy | bits/dim | steps |",
        "| --- | ---: | --- |",
        "| patch \\| raster | 1.235 | 1000 |",
        "| noise<br>vdm | ∞ | — |",
        "",
      ].join("\n"),
    );
  });

  it("honours align and digits, and rejects ragged rows", () => {
    expect(markdownTable(["a"], [[0.000123456]], { align: ["center"], digits: 2 })).toBe("| a |\n| :---: |\n| 0.00012 |\n");
    expect(() => markdownTable(["a", "b"], [[1]])).toThrow(expect.objectContaining({ code: "INVALID_SHAPE" }));
  });
});
