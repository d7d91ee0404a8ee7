#!/usr/bin/env node
/**
 * Starts the eSIM Access simulator as an HTTP server and prints its URL and access code:
 *
 * ```sh
 * npx node src/node/simulator-cli.ts --port 4010
 * ```
 *
 * Point any client at the printed URL (`POST <url>/api/v1/open/<path>`, header `RT-AccessCode`). Stop with Ctrl-C.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { formatter } from "./internal/errors.ts"
import { simulatorCommand } from "./internal/simulatorCommand.ts"

simulatorCommand("effect-esim-access-simulator").pipe(
  Command.run({ version: "0.1.0" }),
  // a usage mistake or a port that cannot be bound: `error: <message>` on one line, exit 1
  Effect.provide(formatter),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
