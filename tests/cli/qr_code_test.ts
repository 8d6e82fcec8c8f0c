/**
 * The banner's QR code as a phone would see it: the text drawn is read back into modules,
 * painted as an image (blocks light, spaces dark, as on a console's dark background) and
 * decoded by the `qr` package's decoder, which finds the symbol in pixels like a camera.
 */
import assert from "node:assert/strict";
import decodeQR from "qr/decode.js";
import { qrCodeText, QUIET_ZONE_MODULES } from "../../lib/cli/qr_code.ts";

/** Every character the drawing may use, line ends aside: blocks for two rows of modules. */
const QR_CHARACTERS = " ▀▄█";

/** Each character is two modules stacked: true for light (drawn), false for dark. */
const CELLS: Record<string, [boolean, boolean]> = {
  "█": [true, true],
  "▀": [true, false],
  "▄": [false, true],
  " ": [false, false],
};

function modulesOf(text: string): boolean[][] {
  const rows: boolean[][] = [];
  for (const line of text.split("\n")) {
    const cells = [...line].map((char) => CELLS[char]);
    rows.push(cells.map(([top]) => top), cells.map(([, bottom]) => bottom));
  }
  return rows;
}

/** The modules as an RGBA image, `scale` pixels a module, with a wide light margin. */
function imageOf(modules: boolean[][], scale = 4, margin = 8) {
  const height = (modules.length + 2 * margin) * scale;
  const width = (modules[0].length + 2 * margin) * scale;
  const data = new Uint8Array(width * height * 4).fill(255);
  modules.forEach((row, y) =>
    row.forEach((light, x) => {
      if (light) return;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const at = (((y + margin) * scale + dy) * width + (x + margin) * scale + dx) * 4;
          data.fill(0, at, at + 3);
        }
      }
    })
  );
  return { width, height, data };
}

const URLS = [
  "http://192.168.1.23:8080/",
  "http://10.0.0.5:65535/",
  "http://[2001:db8::1234:5678:9abc]:8081/",
];

for (const url of URLS) {
  Deno.test(`qrCodeText() draws ${url} so that it decodes back`, () => {
    const text = qrCodeText(url);
    assert.equal(decodeQR(imageOf(modulesOf(text))), url);
  });
}

Deno.test("qrCodeText() uses only block characters a Windows console has, in even lines", () => {
  const text = qrCodeText(URLS[0]);
  const lines = text.split("\n");
  for (const char of text.replaceAll("\n", "")) assert.ok(QR_CHARACTERS.includes(char), char);
  assert.equal(new Set(lines.map((line) => [...line].length)).size, 1);
  // Light all round: the quiet zone, so the symbol stands out from a dark console.
  // A symbol is square; an odd count of rows leaves the last line's lower half dark.
  const modules = modulesOf(text).slice(0, [...lines[0]].length);
  for (let i = 0; i < QUIET_ZONE_MODULES; i++) {
    assert.ok(modules[i].every((light) => light), `row ${i}`);
    assert.ok(modules.every((row) => row[i] && row[row.length - 1 - i]), `column ${i}`);
  }
  // Each line holds two rows of modules, so it is about as tall as it is wide on screen.
  assert.ok(lines.length <= [...lines[0]].length / 2 + 1);
});
