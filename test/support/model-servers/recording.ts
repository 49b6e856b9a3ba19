/**
 * The part every local model server shares: an HTTP server on 127.0.0.1 with an ephemeral port that
 * records every request (method, path without query, body parsed as JSON when it is JSON), hands it to
 * the server's own `handle`, answers a throw with a 500, and closes itself after `idleMs` without requests.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/** One request as received. */
export interface RecordedRequest {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly body: unknown
}

/** A listening recording server. */
export interface RecordingServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  readonly requests: Array<RecordedRequest>
  readonly close: () => Promise<void>
}

/** Start one; `handle` answers each recorded request (it may answer later, or never). */
export const startRecordingServer = async (options: {
  readonly idleMs?: number
  readonly handle: (request: RecordedRequest, res: http.ServerResponse) => void
}): Promise<RecordingServer> => {
  const requests: Array<RecordedRequest> = []
  const idleMs = options.idleMs ?? 10 * 60_000
  let idle: NodeJS.Timeout | undefined
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      clearTimeout(idle)
      idle = setTimeout(() => server.close(), idleMs).unref()
      const raw = Buffer.concat(chunks).toString("utf8")
      let body: unknown = raw
      try {
        body = raw === "" ? undefined : JSON.parse(raw)
      } catch {
        // recorded as text
      }
      const request = { at: Date.now(), method: req.method ?? "", path: (req.url ?? "").split("?")[0] ?? "", body }
      requests.push(request)
      try {
        options.handle(request, res)
      } catch (e) {
        res.writeHead(500, { "content-type": "application/json" })
        res.end(JSON.stringify({ error: { message: e instanceof Error ? e.message : String(e) } }))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  idle = setTimeout(() => server.close(), idleMs).unref()
  server.unref()
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(idle)
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
