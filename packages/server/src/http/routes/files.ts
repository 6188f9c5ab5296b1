import multipart from '@fastify/multipart';
import {
  MAX_FILE_READ_BYTES,
  MAX_UPLOAD_BYTES,
  createFileRequest,
  deleteFileQuery,
  fileContent,
  fileEntry,
  fileListing,
  fileMeta,
  filePathQuery,
  idParams,
  moveFileRequest,
  notModified,
  okResponse,
  uploadQuery,
  uploadResult,
  writeFileRequest,
} from '@hangar/protocol';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { fileErrors } from '../../services/files/file-errors.js';
import type { UploadPart } from '../../services/files/transfer.js';
import { principalOf } from '../auth.js';
import type { App, AppContext } from '../types.js';

const tags = ['files'];
/** An edit arrives as JSON; escaping may make it several times its size in bytes. */
const WRITE_BODY_LIMIT = 8 * MAX_FILE_READ_BYTES;
const MAX_UPLOAD_FILES = 100;

export async function fileRoutes(app: App, { services }: AppContext) {
  const { files } = services;
  const base = '/api/workspaces/:id/files';

  app.get(
    base,
    {
      schema: {
        tags,
        summary: 'List one directory (`path`, default the workspace folder); `.git` is left out',
        params: idParams,
        querystring: filePathQuery,
        response: { 200: fileListing },
      },
    },
    async (request) => files.list(principalOf(request), request.params.id, request.query.path),
  );

  app.get(
    `${base}/content`,
    {
      schema: {
        tags,
        summary: `A text file's content with its ETag (files up to ${MAX_FILE_READ_BYTES} bytes; binary ones have content null)`,
        params: idParams,
        querystring: filePathQuery,
        response: { 200: fileContent, 304: notModified },
      },
    },
    async (request, reply) => {
      const file = await files.read(principalOf(request), request.params.id, request.query.path);
      void reply.header('etag', file.etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === file.etag) return reply.status(304).send(null);
      return file;
    },
  );

  app.put(
    `${base}/content`,
    {
      bodyLimit: WRITE_BODY_LIMIT,
      schema: {
        tags,
        summary:
          'Save a file whole: overwriting needs `If-Match: <etag>` (412 `file_changed` if it moved on); `If-None-Match: *` only creates',
        params: idParams,
        querystring: filePathQuery,
        body: writeFileRequest,
        response: { 200: fileMeta, 201: fileMeta },
      },
    },
    async (request, reply) => {
      const { meta, created } = await files.write(
        principalOf(request),
        request.params.id,
        request.query.path,
        Buffer.from(request.body.content, 'utf8'),
        { ifMatch: request.headers['if-match'], ifNoneMatch: request.headers['if-none-match'] },
      );
      return reply
        .status(created ? 201 : 200)
        .header('etag', meta.etag)
        .send(meta);
    },
  );

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create an empty file or a directory (409 `file_exists` if the name is taken)',
        params: idParams,
        body: createFileRequest,
        response: { 201: fileEntry },
      },
    },
    async (request, reply) => {
      const { path, type } = request.body;
      return reply.status(201).send(await files.create(principalOf(request), request.params.id, path, type));
    },
  );

  app.post(
    `${base}/move`,
    {
      schema: {
        tags,
        summary: 'Rename or move a file or directory; never replaces what is at `to`',
        params: idParams,
        body: moveFileRequest,
        response: { 200: fileEntry },
      },
    },
    async (request) =>
      files.move(principalOf(request), request.params.id, request.body.from, request.body.to),
  );

  app.delete(
    base,
    {
      schema: {
        tags,
        summary: 'Delete a file, a link (not its target) or a directory (`recursive=true` if not empty)',
        params: idParams,
        querystring: deleteFileQuery,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      const { path, recursive } = request.query;
      await files.remove(principalOf(request), request.params.id, path, recursive ?? false);
      return { ok: true as const };
    },
  );

  app.get(
    `${base}/download`,
    {
      schema: {
        tags,
        summary: 'Download a file, or a directory as a zip (links are left out)',
        params: idParams,
        querystring: filePathQuery,
      },
    },
    async (request, reply) => {
      const download = await files.transfers.download(
        principalOf(request),
        request.params.id,
        request.query.path,
      );
      void reply
        .header('content-type', download.kind === 'zip' ? 'application/zip' : 'application/octet-stream')
        .header('content-disposition', attachment(download.name))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store');
      if (download.kind === 'file') void reply.header('content-length', String(download.size));
      return reply.send(download.stream);
    },
  );

  // Multipart parsing only for the upload route, in its own scope.
  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    await scope.register(multipart, {
      limits: {
        fileSize: MAX_UPLOAD_BYTES,
        files: MAX_UPLOAD_FILES,
        fields: 10,
        fieldSize: 1024,
        parts: MAX_UPLOAD_FILES + 10,
      },
    });
    scope.post(
      `${base}/upload`,
      {
        schema: {
          tags,
          summary: `Upload files (multipart/form-data, ${MAX_UPLOAD_BYTES} bytes in all) into the directory \`path\``,
          params: idParams,
          querystring: uploadQuery,
          response: { 200: uploadResult },
        },
      },
      async (request, reply) => {
        const { path, overwrite } = request.query;
        try {
          const parts = (async function* (): AsyncGenerator<UploadPart> {
            for await (const part of request.files()) yield { filename: part.filename, file: part.file };
          })();
          const saved = await files.transfers.upload(
            principalOf(request),
            request.params.id,
            path,
            overwrite ?? false,
            parts,
          );
          return reply.send({ files: saved });
        } catch (error) {
          throw multipartError(error);
        }
      },
    );
  });
}

/** Maps @fastify/multipart's own errors to ours; passes anything else on. */
function multipartError(error: unknown): unknown {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return fileErrors.uploadTooLarge(MAX_UPLOAD_BYTES);
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return fileErrors.invalidUpload('send the files as multipart/form-data');
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return fileErrors.invalidUpload(`send at most ${MAX_UPLOAD_FILES} files at once`);
  }
  return error;
}

/** A Content-Disposition that keeps any file name intact (RFC 6266) without header injection. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
