import { HangarError } from '../../errors.js';

/** Errors of the workspace files API, each with a stable id (see errors.ts for the shared ones). */
export const fileErrors = {
  invalidPath: (path: string, reason: string) =>
    new HangarError(
      'invalid_path',
      400,
      `The path "${printable(path)}" is not allowed: ${reason}. Give a path relative to the workspace folder, like "src/index.ts".`,
    ),
  symlinkRefused: (path: string) =>
    new HangarError(
      'symlink_refused',
      403,
      `"${printable(path)}" is or passes through a symbolic link: Hangar never follows links in workspace files. Use the path the link points to.`,
    ),
  outsideWorkspace: (path: string) =>
    new HangarError(
      'path_outside_workspace',
      403,
      `"${printable(path)}" resolves outside the workspace folder, so it is refused.`,
    ),
  notFound: (path: string) =>
    new HangarError('file_not_found', 404, `There is no "${printable(path)}" in the workspace.`),
  notAFile: (path: string) =>
    new HangarError('not_a_file', 400, `"${printable(path)}" is not a regular file.`),
  notADirectory: (path: string) =>
    new HangarError('not_a_directory', 400, `"${printable(path)}" is not a directory.`),
  exists: (path: string, status = 409) =>
    new HangarError(
      'file_exists',
      status,
      `"${printable(path)}" exists already: choose another name, or load it and overwrite it.`,
    ),
  directoryNotEmpty: (path: string) =>
    new HangarError(
      'directory_not_empty',
      409,
      `"${printable(path)}" is a directory with files in it: send recursive=true to delete it with everything inside.`,
    ),
  tooLargeToRead: (path: string, size: number, limit: number) =>
    new HangarError(
      'file_too_large',
      413,
      `"${printable(path)}" has ${size} bytes, more than the ${limit} bytes the viewer loads: download it instead.`,
    ),
  editTooLarge: (limit: number) =>
    new HangarError('file_too_large', 413, `An edit may have at most ${limit} bytes: upload larger files.`),
  uploadTooLarge: (limit: number) =>
    new HangarError(
      'upload_too_large',
      413,
      `An upload may have at most ${limit} bytes in all: send fewer or smaller files.`,
    ),
  ifMatchRequired: (path: string) =>
    new HangarError(
      'if_match_required',
      428,
      `"${printable(path)}" exists: send its ETag as If-Match to overwrite it (or If-None-Match: * to create only).`,
    ),
  changed: (path: string) =>
    new HangarError(
      'file_changed',
      412,
      `"${printable(path)}" changed since you loaded it (its ETag differs): reload it, redo your edit and save again.`,
    ),
  invalidUpload: (reason: string) =>
    new HangarError('invalid_upload', 400, `The upload is not valid: ${reason}.`),
  tooManyEntries: (path: string, limit: number) =>
    new HangarError(
      'too_many_files',
      413,
      `"${printable(path)}" holds more than ${limit} files and directories: download a smaller directory.`,
    ),
  unavailable: (name: string, reason: string) =>
    new HangarError(
      'files_unavailable',
      409,
      `The files of workspace "${name}" are not available: ${reason}.`,
    ),
};

/** Paths go into messages; keep control characters (a NUL, say) out of them. */
function printable(path: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  const clean = path.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
