import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { parseMarker } from "../../core/domain/index.ts"

describe("parseMarker", () => {
  it.each([
    ["", { valid: true, status: "succeeded" }],
    ["  \n", { valid: true, status: "succeeded" }],
    ["all done", { valid: true, status: "succeeded", summary: "all done" }],
    ['{"status":"failed","summary":"tests red"}', { valid: true, status: "failed", summary: "tests red" }],
    ['{"summary":"ok"}', { valid: true, status: "succeeded", summary: "ok" }],
    ['{"status":"maybe"}', { valid: false }],
    ['{"status":"succeeded","summary":3}', { valid: false }],
    ["{torn", { valid: false }],
    ["[1,2]", { valid: true, status: "succeeded", summary: "[1,2]" }]
  ] as const)("%j", (content, expected) => expect(parseMarker(content)).toEqual(expected))

  it("is total", () => fc.assert(fc.property(fc.string(), (s) => typeof parseMarker(s).valid === "boolean")))
})
