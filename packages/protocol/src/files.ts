import { z } from 'zod';
import { timestamp } from './common.js';

/**
 * Workspace files under /api/workspaces/:id/files. Paths are relative to the
 * workspace folder, with `/` between names: `src/index.ts`; `''` is the folder
 * itself. `..`, absolute paths, `.git` and symbolic links are refused: a link
 * is listed (as a link) but never followed.
 *
 * Writes use optimistic concurrency: read a file, get its `etag`, send it back
 * as `If-Match` to overwrite; a 412 `file_changed` means someone else saved
 * first. `If-None-Match: *` creates a file only if nothing is there.
 */

/** Longest path accepted, in characters (Linux PATH_MAX). */
export const MAX_FILE_PATH = 4096;
/** Largest file the viewer and editor load, and the largest edit saved, in bytes. */
export const MAX_FILE_READ_BYTES = 1024 * 1024;
/** Largest upload (all files of one request together), in bytes. */
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;

export const filePath = z.string().max(MAX_FILE_PATH, `a path may have at most ${MAX_FILE_PATH} characters`);
const queryFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

export const fileEntryType = z.enum(['file', 'directory', 'symlink', 'other']);
export type FileEntryType = z.infer<typeof fileEntryType>;

export const fileEntry = z.object({
  name: z.string(),
  path: z.string(),
  type: fileEntryType,
  /** Bytes (a directory's own size, not its contents). */
  size: z.number().int().nonnegative(),
  mtime: timestamp,
  /** What a symbolic link points at, as written; Hangar never follows it. */
  target: z.string().nullable(),
});
export type FileEntry = z.infer<typeof fileEntry>;

export const fileListing = z.object({
  path: z.string(),
  /** Directories first, then files, each by name; `.git` is left out. */
  entries: z.array(fileEntry),
  /** True when the directory has more entries than one listing returns. */
  truncated: z.boolean(),
});
export type FileListing = z.infer<typeof fileListing>;

export const filePathQuery = z.strictObject({ path: filePath.default('') });

export const fileMeta = z.object({
  path: z.string(),
  size: z.number().int().nonnegative(),
  mtime: timestamp,
  /** Also sent as the `ETag` header; send it back as `If-Match` to overwrite. */
  etag: z.string(),
});
export type FileMeta = z.infer<typeof fileMeta>;

export const fileContent = fileMeta.extend({
  /** True when the file is not UTF-8 text; `content` is then null (download it instead). */
  binary: z.boolean(),
  /** A highlighter language name guessed from the file name (`typescript`, `python`, …). */
  language: z.string().nullable(),
  content: z.string().nullable(),
});
export type FileContent = z.infer<typeof fileContent>;

/** A 304 to a read whose If-None-Match names the current ETag. */
export const notModified = z.null();

export const writeFileRequest = z.strictObject({
  content: z.string().max(MAX_FILE_READ_BYTES, `an edit may have at most ${MAX_FILE_READ_BYTES} characters`),
});

export const createFileRequest = z.strictObject({
  path: filePath.min(1, 'give the path to create'),
  type: z.enum(['file', 'directory']),
});
export type CreateFileRequest = z.infer<typeof createFileRequest>;

export const moveFileRequest = z.strictObject({
  from: filePath.min(1, 'give the path to move'),
  to: filePath.min(1, 'give the new path'),
});
export type MoveFileRequest = z.infer<typeof moveFileRequest>;

export const deleteFileQuery = z.strictObject({
  path: filePath.min(1, 'give the path to delete'),
  /** Required to delete a directory that is not empty, with everything in it. */
  recursive: queryFlag,
});

export const uploadQuery = z.strictObject({
  /** The directory the files go into. */
  path: filePath.default(''),
  /** Replace files of the same name (otherwise 409 `file_exists`). */
  overwrite: queryFlag,
});

export const uploadResult = z.object({ files: z.array(fileMeta) });
export type UploadResult = z.infer<typeof uploadResult>;
