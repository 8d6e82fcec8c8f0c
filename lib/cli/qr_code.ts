/**
 * The banner's QR code (`--qr`): the `qr` package draws it as text, two modules per
 * character cell with the block characters ▀ ▄ █ and spaces. Those three are in every font
 * a Windows console offers (Consolas, Lucida Console, Cascadia in Windows Terminal) and,
 * for the legacy raster font, in the OEM code pages it draws from (437, 850, 852, 866...,
 * at 0xDF, 0xDC, 0xDB), so a double-clicked zhttp.exe shows them as blocks; no colours or
 * escape sequences are used, which a console without VT processing would print as text.
 *
 * Light modules are drawn as blocks and dark ones as spaces: on the dark background of a
 * console the blocks are the light paper, so the code reads dark-on-light as scanners
 * expect, with a quiet zone of QUIET_ZONE_MODULES blocks around it (ISO/IEC 18004 §6.3.8).
 */
import encodeQR from "qr";

/** The light margin around the symbol, in modules (the standard asks for four). */
export const QUIET_ZONE_MODULES = 4;

/** `text` (a URL) as a QR code drawn in text, one line per two rows of modules. */
export function qrCodeText(text: string): string {
  return encodeQR(text, "ascii", { border: QUIET_ZONE_MODULES }).trimEnd();
}
