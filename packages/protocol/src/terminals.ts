import { z } from 'zod';
import { id, timestamp } from './common.js';

/**
 * Terminals: REST resources under /api/workspaces/:id/terminals, streamed over
 * one WebSocket per terminal at /api/workspaces/:id/terminals/:terminalId/ws.
 *
 * Frames, server → client:
 * - binary: raw terminal output bytes (UTF-8, possibly split mid-character; feed
 *   them to xterm.js as Uint8Array). Acknowledge them with `ack`.
 * - text: one JSON ServerFrame (snapshot, resize, pong, error, exit).
 * Frames, client → server: text, one JSON ClientFrame each.
 *
 * Flow control: the client sends `{type:"ack", bytes}` for the output bytes it
 * has processed, about every 5 KB. The server pauses the terminal while the
 * slowest active viewer is more than ~100 KB behind and resumes below ~5 KB; a
 * viewer that stops acknowledging is switched to snapshot mode (no live
 * output) and gets a fresh `snapshot` once it acknowledges again.
 *
 * Size: one viewer's size is the terminal's, and every viewer is told it with a
 * `resize` frame. The first viewer who may type takes it when joining; after
 * that only an explicit `fit` ("fit to me") moves it to another viewer, and
 * `resize` frames (a viewer's own screen size) apply only from that viewer.
 * Typing never resizes: a smaller screen scrolls instead.
 */

export const terminalName = z.string().trim().min(1, 'name the terminal').max(60);
export const terminalSize = {
  cols: z.number().int().min(2).max(1000),
  rows: z.number().int().min(1).max(500),
};

export const terminal = z.object({
  id,
  workspaceId: id,
  name: z.string(),
  /** The command it runs; null for a login shell. */
  command: z.array(z.string()).nullable(),
  state: z.enum(['running', 'exited']),
  exitCode: z.number().int().nullable(),
  cols: z.number().int(),
  rows: z.number().int(),
  createdBy: id.nullable(),
  createdAt: timestamp,
});
export type Terminal = z.infer<typeof terminal>;
export const terminalList = z.object({ terminals: z.array(terminal) });

export const createTerminalRequest = z.strictObject({
  name: terminalName.optional(),
  /** Run this instead of a login shell; the terminal ends when it exits. */
  command: z.array(z.string().max(10_000)).min(1).max(200).optional(),
  cols: terminalSize.cols.default(80),
  rows: terminalSize.rows.default(24),
});
export type CreateTerminalRequest = z.input<typeof createTerminalRequest>;

export const renameTerminalRequest = z.strictObject({ name: terminalName });
export const terminalParams = z.strictObject({ id, terminalId: id });

/** Largest text frame a client may send, in bytes. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

export const clientFrame = z.discriminatedUnion('type', [
  /** Keystrokes or pasted text. Refused for viewers. */
  z.strictObject({ type: z.literal('input'), data: z.string().max(MAX_CLIENT_FRAME_BYTES) }),
  /** The size that fits this viewer's screen; applied while it holds the terminal's size. */
  z.strictObject({ type: z.literal('resize'), ...terminalSize }),
  /** "Fit to me": the terminal takes this viewer's size, for every viewer. Refused for viewers. */
  z.strictObject({ type: z.literal('fit'), ...terminalSize }),
  /** Output bytes processed since the last ack. */
  z.strictObject({
    type: z.literal('ack'),
    bytes: z
      .number()
      .int()
      .min(0)
      .max(1 << 30),
  }),
  z.strictObject({ type: z.literal('ping'), id: z.string().max(64).optional() }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;

export const serverFrame = z.discriminatedUnion('type', [
  /** Sent first, and on resync: the whole screen and scrollback, as escape sequences to write. */
  z.object({
    type: z.literal('snapshot'),
    data: z.string(),
    cols: z.number().int(),
    rows: z.number().int(),
    readOnly: z.boolean(),
    terminal,
  }),
  z.object({ type: z.literal('resize'), cols: z.number().int(), rows: z.number().int() }),
  z.object({ type: z.literal('pong'), id: z.string().optional() }),
  /** `fatal` errors close the socket after this frame. */
  z.object({ type: z.literal('error'), id: z.string(), message: z.string(), fatal: z.boolean() }),
  z.object({ type: z.literal('exit'), exitCode: z.number().int().nullable() }),
]);
export type ServerFrame = z.infer<typeof serverFrame>;
