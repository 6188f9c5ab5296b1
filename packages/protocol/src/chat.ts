import { z } from 'zod';
import { id, timestamp } from './common.js';
import { workspaceRole } from './workspaces.js';

/**
 * Workspace chat. Message ids are 1, 2, 3… per workspace in the order the
 * server stored them, so `after`/`before` cursors never skip or repeat a
 * message while others are being posted.
 */
export const chatMessageType = z.enum(['user', 'agent', 'system', 'bot']);
export type ChatMessageType = z.infer<typeof chatMessageType>;

export const chatAuthor = z.object({ userId: id, username: z.string(), displayName: z.string() });

export const chatMessage = z.object({
  id: z.number().int().positive(),
  workspaceId: id,
  type: chatMessageType,
  /** The person who wrote a `user` message (null once their account is gone, and for other types). */
  author: chatAuthor.nullable(),
  /** For `bot` messages: the name the sandbox code gave, e.g. "ci". */
  botName: z.string().nullable(),
  /** Markdown; empty once deleted. */
  text: z.string(),
  /** User ids the message @mentions. */
  mentions: z.array(id),
  /** The agent session the message was sent to (`@agent …`) or came from. */
  sessionId: id.nullable(),
  createdAt: timestamp,
  editedAt: timestamp.nullable(),
  deletedAt: timestamp.nullable(),
});
export type ChatMessage = z.infer<typeof chatMessage>;

export const chatCursor = z.coerce.number().int().min(0);
export const chatListQuery = z.strictObject({
  /** Messages with a larger id, oldest first (catching up). */
  after: chatCursor.optional(),
  /** Messages with a smaller id, the newest of them (scrolling back); default: the latest. */
  before: chatCursor.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const chatPage = z.object({
  /** Oldest first. */
  messages: z.array(chatMessage),
  /** More messages lie beyond this page in the direction asked (older for `before`, newer for `after`). */
  hasMore: z.boolean(),
});
export type ChatPage = z.infer<typeof chatPage>;

export const chatText = z
  .string()
  .trim()
  .min(1, 'write a message')
  .max(20_000, 'a message may have at most 20000 characters');
export const postChatMessageRequest = z.strictObject({ text: chatText });
export const editChatMessageRequest = z.strictObject({ text: chatText });
export const chatMessageParams = z.strictObject({ id, messageId: z.coerce.number().int().positive() });

/** From code inside the workspace, with the workspace token in the X-Hangar-Token header. */
export const botMessageRequest = z.strictObject({
  text: chatText,
  name: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[\w .-]+$/, 'name may use letters, digits, spaces, ".", "_" and "-"')
    .optional(),
});
export const WORKSPACE_TOKEN_HEADER = 'x-hangar-token';

export const chatUnread = z.object({
  unread: z.number().int().nonnegative(),
  /** The last message id this member has read. */
  lastReadId: z.number().int().nonnegative(),
  /** How many of the unread mention this member. */
  mentions: z.number().int().nonnegative(),
});
export const markChatReadRequest = z.strictObject({ lastReadId: z.number().int().nonnegative() });

/** Who can be @mentioned: the members, and `agent` for the workspace's agent. */
export const chatMember = z.object({
  userId: id,
  username: z.string(),
  displayName: z.string(),
  role: workspaceRole,
});
export const chatMemberList = z.object({ members: z.array(chatMember) });

/** Events of GET /api/workspaces/:id/chat/events (SSE). */
export const CHAT_EVENT = { message: 'message', updated: 'message_updated' } as const;
