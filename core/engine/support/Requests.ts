/**
 * The request journal on disk: one JSON file per control request under `.rekindle/<batch>/requests/`
 * (core/domain/ControlRequest.ts). Every write goes to a temporary file that is renamed over the
 * request, so a reader (the waiting command, the next supervisor) sees the old or the new request,
 * never half of one. Files, not a socket: they survive the supervisor's crash, there is no
 * connection whose lifetime to manage, and `cat` shows what was asked and what became of it.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Random from "effect/Random"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { ControlRequest } from "../../domain/ControlRequest.ts"
import type { BatchPaths } from "../../domain/Layout.ts"
import { fail } from "./Errors.ts"

const decode = Schema.decodeUnknownResult(ControlRequest)
const encode = Schema.encodeSync(ControlRequest)

const ioFailed = (what: string) => (e: { readonly message: string }) =>
  fail("E_IO", `cannot ${what}: ${e.message}`, "check the .rekindle directory's space and permissions")

/** Write `request` atomically (temporary file, then rename over the request's file). */
export const writeRequest = Effect.fn("Requests.write")(function* (paths: BatchPaths, request: ControlRequest) {
  const fs = yield* FileSystem.FileSystem
  yield* fs
    .makeDirectory(paths.requests, { recursive: true, mode: 0o700 })
    .pipe(Effect.mapError(ioFailed("make the requests directory")))
  const tmp = `${paths.request(request.id)}.tmp-${Math.floor((yield* Random.next) * 1e9)}`
  yield* fs
    .writeFileString(tmp, `${JSON.stringify(encode(request))}\n`, { mode: 0o600 })
    .pipe(Effect.mapError(ioFailed("write a control request")))
  yield* fs.rename(tmp, paths.request(request.id)).pipe(Effect.mapError(ioFailed("write a control request")))
})

/** A fresh request id: creation time first, so ids sort oldest first. */
export const newRequestId = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const suffix = Math.floor((yield* Random.next) * 36 ** 6)
    .toString(36)
    .padStart(6, "0")
  return `${String(now).padStart(14, "0")}-${suffix}`
})

/** Read one request (undefined when absent or unreadable). */
export const readRequest = Effect.fn("Requests.read")(function* (paths: BatchPaths, id: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(paths.request(id)).pipe(Effect.option)
  if (text._tag === "None") return undefined
  const r = decode(safeParse(text.value))
  return Result.isSuccess(r) ? r.success : undefined
})

const safeParse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Every readable request of the batch (a missing directory: none; an unreadable file is skipped). */
export const readRequests = Effect.fn("Requests.readAll")(function* (paths: BatchPaths) {
  const fs = yield* FileSystem.FileSystem
  const names = yield* fs.readDirectory(paths.requests).pipe(Effect.orElseSucceed(() => [] as ReadonlyArray<string>))
  const out: Array<ControlRequest> = []
  for (const name of names) {
    if (!name.endsWith(".json")) continue
    const r = yield* readRequest(paths, name.slice(0, -5))
    if (r !== undefined) out.push(r)
  }
  return out as ReadonlyArray<ControlRequest>
})
