/**
 * Every parser error fixture (request heads, then chunked bodies), sent over a real socket:
 * the client gets the fixture's status and then a closed connection, never a hang or a
 * second answer. Bodies are plain text and name only the status.
 */
import assert from "node:assert/strict";
import { createApp } from "../../lib/app.ts";
import type { Handler } from "../../lib/server/handler.ts";
import invalidChunked from "../fixtures/chunked/invalid.json" with { type: "json" };
import { latin1Bytes, loadRequestFixtures } from "../http/request_fixtures.ts";
import { WIRES } from "../support/wires.ts";

const errorCases = loadRequestFixtures().filter((fixture) => fixture.expected.kind === "error");

for (const wire of WIRES) {
  Deno.test(
    wire.name("server answers every malformed request fixture with its status and a close"),
    async (t) => {
      assert.ok(errorCases.length >= 50, `only ${errorCases.length} error fixtures`);
      // One server per distinct set of parser limits the fixtures ask for.
      const byLimits = Map.groupBy(errorCases, (fixture) => JSON.stringify(fixture.limits));
      for (const [limits, fixtures] of byLimits) {
        const server = await wire.startServer({ handler: createApp(), limits: JSON.parse(limits) });
        try {
          for (const fixture of fixtures) {
            const expected = fixture.expected.kind === "error" ? fixture.expected.status : 0;
            await t.step(`${fixture.group}: ${fixture.name} → ${expected}`, async () => {
              using connection = await wire.open(server.addr.port);
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
    },
  );

  interface InvalidChunkedCase {
    name: string;
    input: string;
    status: number;
    limits?: Partial<Record<"maxBodyBytes" | "maxChunkLineBytes" | "maxTrailerBytes", number>>;
  }

  Deno.test(
    wire.name("server answers every invalid chunked body fixture with its status and a close"),
    async (t) => {
      const cases: InvalidChunkedCase[] = invalidChunked.cases;
      // The server lets the body size limit be configured, not the decoder's line limits: the
      // cases that need those stay with the decoder's own tests (chunked_test).
      const wireCases = cases.filter((fixture) =>
        Object.keys(fixture.limits ?? {}).every((name) => name === "maxBodyBytes")
      );
      assert.ok(wireCases.length >= 30, `only ${wireCases.length} invalid chunked fixtures`);
      // A handler that wants the whole body before it answers: the error comes before any byte
      // of a response, so the client must get the status, not just a closed connection.
      const readAll: Handler = async (req, res) => {
        await req.bytes();
        res.end("read it all\n");
      };
      const byLimit = Map.groupBy(wireCases, (fixture) => fixture.limits?.maxBodyBytes);
      for (const [maxBodyBytes, fixtures] of byLimit) {
        // A fixture's status is the decoder's under its limits, whose default is no body limit:
        // with the server's, a huge chunk-size would be refused as too large (413) first.
        const limits = { maxBodyBytes: maxBodyBytes ?? Infinity };
        const server = await wire.startServer({ handler: readAll, limits });
        try {
          for (const fixture of fixtures) {
            await t.step(`${fixture.name} → ${fixture.status}`, async () => {
              using connection = await wire.open(server.addr.port);
              await connection.send(latin1Bytes(
                "POST /sink HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
                  fixture.input,
              ));
              const response = await connection.response();
              assert.equal(response.status, fixture.status);
              assert.equal(response.header("connection"), "close");
              assert.equal(response.text(), `${fixture.status} ${response.reason}\n`);
              assert.equal(await connection.closedByPeer(), true);
            });
          }
        } finally {
          await server.close();
        }
      }
    },
  );

  Deno.test(
    wire.name(
      "server answers invalid chunked bodies with their status even when /echo streams them back",
    ),
    async (t) => {
      const cases: InvalidChunkedCase[] = invalidChunked.cases;
      // /echo writes each piece as it comes: an error the decoder saw only when it reached the
      // bad bytes came after the head of a 200 had gone out, and the client got a cut answer.
      // Bytes already received are checked before a piece is handed out, so the whole body, sent
      // at once, is refused before /echo writes anything.
      const wireCases = cases.filter((fixture) => fixture.limits === undefined);
      await using server = await wire.startServer({
        handler: createApp(),
        limits: { maxBodyBytes: Infinity },
      });
      for (const fixture of wireCases) {
        await t.step(`${fixture.name} → ${fixture.status}`, async () => {
          using connection = await wire.open(server.addr.port);
          await connection.send(latin1Bytes(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + fixture.input,
          ));
          const response = await connection.response();
          assert.equal(response.status, fixture.status);
          assert.equal(response.header("connection"), "close");
          assert.equal(await connection.closedByPeer(), true);
        });
      }
    },
  );
}
