import {
  errorBody,
  fileContent,
  fileEntry,
  fileListing,
  fileMeta,
  okResponse,
  uploadResult,
  type CreateFileRequest,
  type FileMeta,
  type MoveFileRequest,
} from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest, type Parser } from './client';
import { workspacePath } from './workspaces';

/** Query keys of one workspace's files, under the workspace's own so they go with it. */
export const fileKeys = {
  all: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'files'] as const,
  listing: (workspaceId: string, path: string) =>
    ['workspaces', 'detail', workspaceId, 'files', 'list', path] as const,
  content: (workspaceId: string, path: string) =>
    ['workspaces', 'detail', workspaceId, 'files', 'content', path] as const,
};

export function filesUrl(workspaceId: string, suffix = '', query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `${workspacePath(workspaceId)}/files${suffix}${search ? `?${search}` : ''}`;
}

/** Where the browser downloads a file, or a directory as a zip (the session cookie goes along). */
export function downloadUrl(workspaceId: string, path: string): string {
  return filesUrl(workspaceId, '/download', { path });
}

/** One directory's entries, fetched when it is expanded. */
export function useDirectory(workspaceId: string, path: string, enabled = true) {
  return useQuery({
    queryKey: fileKeys.listing(workspaceId, path),
    queryFn: ({ signal }) => apiRequest(filesUrl(workspaceId, '', { path }), fileListing, { signal }),
    enabled,
  });
}

export function useFileContent(workspaceId: string, path: string | null) {
  return useQuery({
    queryKey: fileKeys.content(workspaceId, path ?? ''),
    queryFn: ({ signal }) =>
      apiRequest(filesUrl(workspaceId, '/content', { path: path ?? '' }), fileContent, { signal }),
    enabled: path !== null,
    // A file someone else is editing should not silently change under the reader.
    refetchOnWindowFocus: false,
    retry: false,
  });
}

/**
 * Saves a file whole. `etag` is the version the edit started from (sent as
 * If-Match); a 412 `file_changed` means someone saved in between.
 */
export function useSaveFile(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ path, content, etag }: { path: string; content: string; etag: string | null }) =>
      send(filesUrl(workspaceId, '/content', { path }), fileMeta, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          ...(etag ? { 'if-match': etag } : { 'if-none-match': '*' }),
        },
        body: JSON.stringify({ content }),
      }),
    onSuccess: (_meta: FileMeta, { path }) => invalidate(client, workspaceId, path),
  });
}

export function useCreateFile(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateFileRequest) =>
      apiRequest(filesUrl(workspaceId), fileEntry, { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: fileKeys.all(workspaceId) }),
  });
}

export function useMoveFile(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: MoveFileRequest) =>
      apiRequest(filesUrl(workspaceId, '/move'), fileEntry, { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: fileKeys.all(workspaceId) }),
  });
}

export function useDeleteFile(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ path, recursive }: { path: string; recursive: boolean }) =>
      apiRequest(filesUrl(workspaceId, '', { path, ...(recursive && { recursive: 'true' }) }), okResponse, {
        method: 'DELETE',
      }),
    onSuccess: () => client.invalidateQueries({ queryKey: fileKeys.all(workspaceId) }),
  });
}

/** Uploads files into a directory as multipart/form-data. */
export function useUploadFiles(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({
      directory,
      files,
      overwrite,
    }: {
      directory: string;
      files: File[];
      overwrite: boolean;
    }) => {
      const form = new FormData();
      for (const file of files) form.append('file', file, file.name);
      const query: Record<string, string> = { path: directory, ...(overwrite && { overwrite: 'true' }) };
      return send(filesUrl(workspaceId, '/upload', query), uploadResult, { method: 'POST', body: form });
    },
    onSuccess: () => client.invalidateQueries({ queryKey: fileKeys.all(workspaceId) }),
  });
}

function invalidate(client: ReturnType<typeof useQueryClient>, workspaceId: string, path: string) {
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  return Promise.all([
    client.invalidateQueries({ queryKey: fileKeys.content(workspaceId, path) }),
    client.invalidateQueries({ queryKey: fileKeys.listing(workspaceId, parent) }),
  ]);
}

/**
 * For the two requests apiRequest cannot make: one with conditional headers
 * and one with a multipart body. Errors become ApiError the same way.
 */
async function send<T>(url: string, parser: Parser<T>, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...init.headers },
    });
  } catch {
    throw new ApiError(
      0,
      'network_error',
      'Cannot reach the Hangar server. Check your connection and try again.',
    );
  }
  const data: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = errorBody.safeParse(data);
    if (parsed.success) {
      const { id, message, details } = parsed.data.error;
      throw new ApiError(response.status, id, message, undefined, details);
    }
    throw new ApiError(response.status, 'http_error', `The server answered ${response.status}.`);
  }
  return parser.parse(data);
}
