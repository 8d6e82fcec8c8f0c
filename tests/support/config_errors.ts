/** Assertions about startup mistakes (ConfigError), shared by the config and startup tests. */
import assert from "node:assert/strict";
import { ConfigError } from "../../lib/cli/config.ts";

/** The message of the ConfigError that `run` throws; fails on any other outcome. */
export function configErrorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail("expected a ConfigError, but nothing was thrown");
}

/** The message of the ConfigError that `run` rejects with; fails on any other outcome. */
export async function configErrorOfAsync(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail("expected a ConfigError, but nothing was thrown");
}
