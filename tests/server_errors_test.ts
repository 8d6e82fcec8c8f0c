/**
 * Every parser error fixture, sent over a real socket: the client gets the fixture's status
 * and then a closed connection, never a hang or a second answer. Bodies are plain text and
 * name only the status.
 */
import assert from "node:assert/strict";
import { createApp } from "../lib/app.ts";
import { loadRequestFixtures } from "./request_fixtures.ts";
import { RawConnection, startServer } from "./support/raw_http.ts";

const errorCases = loadRequestFixtures().filter((fixture) => fixture.expected.kind === "error");

Deno.test("server answers every malformed request fixture with its status and a close", async (t) => {
  assert.ok(errorCases.length >= 50, `only ${errorCases.length} error fixtures`);
  // One server per distinct set of parser limits the fixtures ask for.
  const byLimits = Map.groupBy(errorCases, (fixture) => JSON.stringify(fixture.limits));
  for (const [limits, fixtures] of byLimits) {
    const server = startServer({ handler: createApp(), limits: JSON.parse(limits) });
    try {
      for (const fixture of fixtures) {
        const expected = fixture.expected.kind === "error" ? fixture.expected.status : 0;
        await t.step(`${fixture.group}: ${fixture.name} → ${expected}`, async () => {
          using connection = await RawConnection.open(server.addr.port);
          await connection.send(fixture.raw);
          const response = await connection.response();
          assert.equal(response.status, expected);
          assert.equal(response.header("connection"), "close");
          assert.equal(response.text(), `${expected} ${response.reason}\n`);
          assert.equal(await connection.closedByPeer(), true);
        });
      }
    } finally {
      await server.close();
    }
  }
});
