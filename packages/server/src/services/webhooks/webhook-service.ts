import { webhookEvent, type Webhook, type WebhookEvent } from '@hangar/protocol';
import type { Kysely } from 'kysely';
import { errors } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import type { Principal } from '../auth.js';
import { teamDb, type TeamDb, type WebhookDeliveriesTable, type WebhooksTable } from '../chat/tables.js';
import { iso, type Clock } from '../../common/clock.js';
import { newId, newSecret } from '../../common/crypto.js';
import type { ServerSecrets } from '../../common/secrets.js';
import type { WorkspaceRow } from '../workspaces/repository.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import { PrivateAddressError, postWebhook } from './deliver.js';
import { DeliveryQueue } from './queue.js';
import { signBody } from './signature.js';
import { isPrivateTarget } from './url-policy.js';

const PURPOSE = 'webhook-secret';
/** Attempts per delivery; the waits between them grow 1 s, 4 s, 16 s, 64 s, 256 s. */
export const MAX_ATTEMPTS = 6;
const FIRST_RETRY_MS = 1_000;
const BACKOFF_FACTOR = 4;
/** A receiver answering slower than this (ms) counts as failed. */
const TIMEOUT_MS = 10_000;
/** Deliveries kept per webhook in the log. */
const LOG_LIMIT = 200;
/**
 * How long a claimed attempt belongs to the replica that claimed it: longer than the receiver's
 * TIMEOUT_MS, after which a replica that died mid-attempt is taken to have failed and another
 * tries the delivery again.
 */
const CLAIM_MS = TIMEOUT_MS + 20_000;

/**
 * Webhooks: per workspace (its owners) or global (admins). Each event makes
 * a delivery row, POSTed as JSON signed with HMAC-SHA256 under the webhook's
 * secret (sealed at rest, shown once), retried with backoff until it
 * succeeds or MAX_ATTEMPTS fail. Pending deliveries resume after a restart.
 * Every replica works the deliveries; each attempt is sent once (queue.ts).
 */
export class WebhookService {
  private readonly db: TeamDb;
  private readonly queue: DeliveryQueue;
  private readonly aborter = new AbortController();
  private closed = false;

  constructor(
    db: Kysely<Database>,
    private readonly secrets: ServerSecrets,
    private readonly workspaces: WorkspaceService,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {
    this.db = teamDb(db);
    this.queue = new DeliveryQueue(db, clock, CLAIM_MS, (id, until) => this.deliver(id, until), onError);
  }

  async create(
    principal: Principal,
    input: {
      url: string;
      events: WebhookEvent[];
      workspaceId?: string | undefined;
      secret?: string | undefined;
    },
  ): Promise<Webhook & { secret: string }> {
    const isAdmin = principal.user.role === 'admin';
    if (input.workspaceId) await this.workspaces.get(principal, input.workspaceId, 'manage');
    else if (!isAdmin)
      throw errors.forbidden('create a global webhook (admins can; owners can add one to a workspace)');
    if (!isAdmin && isPrivateTarget(new URL(input.url)))
      throw errors.badRequest(
        'Only an admin can point a webhook at this machine or a private network address.',
      );
    const secret = input.secret ?? newSecret('whsec');
    const row: WebhooksTable = {
      id: newId(),
      workspace_id: input.workspaceId ?? null,
      url: input.url,
      events: JSON.stringify([...new Set(input.events)]),
      secret_sealed: this.secrets.seal(PURPOSE, secret),
      enabled: 1,
      created_by: principal.user.id,
      created_at: iso(this.clock.now()),
    };
    await this.db.insertInto('webhooks').values(row).execute();
    return { ...present(row), secret };
  }

  /** A workspace's webhooks (its owners), or every webhook (admins). */
  async list(principal: Principal, workspaceId: string | undefined): Promise<Webhook[]> {
    let query = this.db.selectFrom('webhooks').selectAll().orderBy('created_at');
    if (workspaceId) {
      await this.workspaces.get(principal, workspaceId, 'manage');
      query = query.where('workspace_id', '=', workspaceId);
    } else if (principal.user.role !== 'admin') {
      throw errors.forbidden('list every webhook (admins can; add ?workspace= for a workspace you own)');
    }
    return (await query.execute()).map(present);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const row = await this.authorized(principal, id);
    await this.db.deleteFrom('webhooks').where('id', '=', row.id).execute();
  }

  /** The delivery log, newest first: admins, and owners of the webhook's workspace. */
  async deliveries(principal: Principal, id: string) {
    const row = await this.authorized(principal, id);
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', row.id)
      .orderBy('created_at', 'desc')
      .limit(LOG_LIMIT)
      .execute();
    return rows.map(presentDelivery);
  }

  /** Queues a delivery of `event` to every enabled webhook that wants it. */
  async dispatch(
    event: WebhookEvent,
    workspace: WorkspaceRow | null,
    data: Record<string, unknown>,
  ): Promise<void> {
    if (this.closed) return;
    const hooks = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('enabled', '=', 1)
      .where((eb) =>
        workspace
          ? eb.or([eb('workspace_id', 'is', null), eb('workspace_id', '=', workspace.id)])
          : eb('workspace_id', 'is', null),
      )
      .execute();
    const now = iso(this.clock.now());
    for (const hook of hooks) {
      if (!(JSON.parse(hook.events) as string[]).includes(event)) continue;
      const id = newId();
      const payload = JSON.stringify({
        id,
        event,
        at: now,
        workspace: workspace ? { id: workspace.id, name: workspace.name } : null,
        data,
      });
      await this.db
        .insertInto('webhook_deliveries')
        .values({
          id,
          webhook_id: hook.id,
          event,
          payload,
          status: 'pending',
          attempts: 0,
          response_status: null,
          error: null,
          next_attempt_at: now,
          created_at: now,
          updated_at: now,
        })
        .execute();
      this.queue.schedule(id, 0);
    }
  }

  /** After a start: pending deliveries are tried when due, by whichever replica claims each first. */
  resumePending(): Promise<void> {
    return this.queue.resumePending();
  }

  /** Waits for this replica's attempts under way. */
  settle(): Promise<void> {
    return this.queue.settle();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.aborter.abort();
    await this.queue.close();
  }

  /** One attempt of a delivery this replica claimed (until `claimedUntil`). */
  private async deliver(id: string, claimedUntil: string): Promise<void> {
    const delivery = await this.db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhooks', 'webhooks.id', 'webhook_deliveries.webhook_id')
      .select([
        'webhook_deliveries.payload',
        'webhook_deliveries.attempts',
        'webhook_deliveries.status',
        'webhook_deliveries.event',
        'webhooks.url',
        'webhooks.secret_sealed',
        'webhooks.created_by',
      ])
      .where('webhook_deliveries.id', '=', id)
      .executeTakeFirst();
    if (!delivery || delivery.status !== 'pending') return;
    const signature = signBody(this.secrets.open(PURPOSE, delivery.secret_sealed), delivery.payload);
    let responseStatus: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      // Only an admin may reach this machine or a private network; checked again on every
      // delivery (the creator may no longer be one) and on the resolved address (DNS rebinding).
      const creator = delivery.created_by
        ? await this.db
            .selectFrom('users')
            .select('role')
            .where('id', '=', delivery.created_by)
            .executeTakeFirst()
        : undefined;
      responseStatus = await postWebhook(new URL(delivery.url), {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Hangar-Webhook',
          'x-hangar-event': delivery.event,
          'x-hangar-delivery': id,
          'x-hangar-signature-256': signature,
        },
        body: delivery.payload,
        signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(TIMEOUT_MS)]),
        publicOnly: creator?.role !== 'admin',
      });
      if (responseStatus < 200 || responseStatus >= 300) error = `the receiver answered ${responseStatus}`;
    } catch (cause) {
      if (this.closed) {
        // Stopped mid-attempt: the delivery is due again at once, for another replica or the next start.
        await this.queue
          .ownedBy(id, claimedUntil)
          .set({ next_attempt_at: iso(this.clock.now()) })
          .execute()
          .catch(() => undefined);
        return;
      }
      refused = cause instanceof PrivateAddressError;
      error = refused
        ? `refused: ${(cause as Error).message}; only an admin's webhooks may reach this machine or a private network`
        : `the receiver could not be reached: ${(cause as Error).message}`;
    }
    const attempts = Number(delivery.attempts) + 1;
    const now = this.clock.now();
    const retry = error !== null && !refused && attempts < MAX_ATTEMPTS;
    const delayMs = FIRST_RETRY_MS * BACKOFF_FACTOR ** (attempts - 1);
    await this.queue
      .ownedBy(id, claimedUntil)
      .set({
        attempts,
        response_status: responseStatus,
        error,
        status: error === null ? 'succeeded' : retry ? 'pending' : 'failed',
        next_attempt_at: retry ? iso(new Date(now.getTime() + delayMs)) : null,
        updated_at: iso(now),
      })
      .execute();
    if (retry) this.queue.schedule(id, delayMs);
  }

  private async authorized(principal: Principal, id: string): Promise<WebhooksTable> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw errors.notFound('The webhook');
    if (principal.user.role === 'admin') return row;
    if (!row.workspace_id) throw errors.notFound('The webhook');
    await this.workspaces.get(principal, row.workspace_id, 'manage');
    return row;
  }
}

function present(row: WebhooksTable): Webhook {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    url: row.url,
    events: webhookEvent.array().parse(JSON.parse(row.events)),
    enabled: Number(row.enabled) === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function presentDelivery(row: WebhookDeliveriesTable) {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    event: webhookEvent.parse(row.event),
    status: row.status,
    attempts: Number(row.attempts),
    responseStatus: row.response_status === null ? null : Number(row.response_status),
    error: row.error,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
