/**
 * An endpoint is a declaration: its path under `/api/v1/open/`, the schema of its request body and the schema of
 * the `obj` it answers with. The client's request pipeline and the simulator's router both read these.
 *
 * @internal
 */
import type { Schema } from "effect"

export interface Endpoint<Req extends Schema.Top, Res extends Schema.Top> {
  readonly path: string
  readonly request: Req
  readonly response: Res
  /**
   * `true` for calls that change nothing, so a retry is always safe. Orders and top-ups carry a caller-supplied
   * `transactionId` that the API de-duplicates (reference §6), so their retries are safe too; they are marked
   * `"transactionId"` to say why.
   */
  readonly retry: "safe" | "transactionId" | "state-change"
  /** Longer default timeout for big answers (the full catalogue is about 3 MB, reference §2.1). */
  readonly slow?: boolean
}

export const make = <Req extends Schema.Top, Res extends Schema.Top>(
  endpoint: Endpoint<Req, Res>
): Endpoint<Req, Res> => endpoint
