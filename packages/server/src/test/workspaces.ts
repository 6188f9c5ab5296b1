import { expect } from 'vitest';
import type { TestClient } from './server.js';

/** Polls a workspace until it leaves `creating`/`deleting` (or disappears), and returns its last state. */
export async function settled(client: TestClient, id: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.get(`/api/workspaces/${id}`);
    if (res.status === 404) return res;
    expect(res.status).toBe(200);
    if (res.body.state !== 'creating' && res.body.state !== 'deleting') return res;
    if (Date.now() > deadline) throw new Error(`workspace ${id} still ${res.body.state}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Creates a workspace and waits until it is ready (or failed). */
export async function createWorkspace(client: TestClient, body: Record<string, unknown>) {
  const created = await client.post('/api/workspaces', body);
  if (created.status !== 201)
    throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return settled(client, created.body.id);
}

/** Runs a shell script in a workspace's sandbox through the API (it must answer 200). */
export async function shellIn(
  client: TestClient,
  workspaceId: string,
  script: string,
  options: { env?: Record<string, string>; shell?: string; timeoutMs?: number } = {},
) {
  const res = await client.post(`/api/workspaces/${workspaceId}/exec`, {
    command: [options.shell ?? '/bin/sh', '-c', script],
    ...(options.env && { env: options.env }),
    timeoutMs: options.timeoutMs ?? 20_000,
  });
  expect(res.status).toBe(200);
  return res.body as { exitCode: number; stdout: string; stderr: string };
}
