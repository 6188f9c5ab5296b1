import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from '../store/schema.js';

/**
 * A kind of message on the pub/sub: session events, chat, notifications, presence. A message is
 * delivered whole to this replica's subscribers; other replicas get only its notice (ids: "key K
 * has something new, up to id N"), from which they read the data from the tables.
 */
export interface Topic<T> {
  readonly name: string;
  /** What other replicas are told: ids only, JSON far below PostgreSQL's 8000-byte NOTIFY limit. */
  notice(message: T): unknown;
  /** The message another replica's notice stands for (its ids; the data is read from the tables). */
  fromNotice(notice: unknown): T;
}

/**
 * Called with each message for the key. `undefined` means notices may have been missed (the
 * replica's listening connection was lost and is back): read from your last delivered id.
 */
export type Listener<T> = (message: T | undefined) => void;

/**
 * One keyed pub/sub for everything live (issue 19). Subscribers are readers that stay gapless on
 * their own: a message says something is new for a key, and a subscriber that cannot use it as
 * it is reads the table after the last id it delivered.
 */
export interface PubSub {
  subscribe<T>(topic: Topic<T>, key: string, listener: Listener<T>): () => void;
  /**
   * After a committed write: tells this replica's subscribers at once, then the other replicas.
   * Never rejects (a notice that cannot be sent is reported; the others catch up at the next one).
   */
  publish<T>(topic: Topic<T>, key: string, message: T): Promise<void>;
  /**
   * Inside the write's transaction: queues the notice to the other replicas, which PostgreSQL
   * sends when the transaction commits (and never when it does not). Returns the delivery to this
   * replica's subscribers, to call after the commit.
   */
  publishWithin<T>(trx: Kysely<Database>, topic: Topic<T>, key: string, message: T): Promise<() => void>;
  /** Resolves once notices of other replicas are received (at once in process). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

type AnyListener = Listener<unknown>;

/** The in-process pub/sub: SQLite, which only one process serves. */
export class LocalPubSub implements PubSub {
  private readonly listeners = new Map<string, Set<AnyListener>>();

  constructor(protected readonly onError: (error: unknown) => void = warn) {}

  subscribe<T>(topic: Topic<T>, key: string, listener: Listener<T>): () => void {
    const id = slot(topic.name, key);
    const set = this.listeners.get(id) ?? new Set<AnyListener>();
    set.add(listener as AnyListener);
    this.listeners.set(id, set);
    return () => {
      set.delete(listener as AnyListener);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
  }

  async publish<T>(topic: Topic<T>, key: string, message: T): Promise<void> {
    this.deliver(topic.name, key, message);
  }

  async publishWithin<T>(_trx: Kysely<Database>, topic: Topic<T>, key: string, message: T) {
    return () => this.deliver(topic.name, key, message);
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.listeners.clear();
  }

  protected deliver(topic: string, key: string, message: unknown): void {
    for (const listener of [...(this.listeners.get(slot(topic, key)) ?? [])]) this.tell(listener, message);
  }

  protected has(topic: string, key: string): boolean {
    return this.listeners.has(slot(topic, key));
  }

  /** Every subscriber hears that it may have missed notices. */
  protected catchUpAll(): void {
    for (const set of [...this.listeners.values()])
      for (const listener of [...set]) this.tell(listener, undefined);
  }

  private tell(listener: AnyListener, message: unknown): void {
    try {
      listener(message);
    } catch (error) {
      this.onError(error);
    }
  }
}

/** The one NOTIFY channel: a notice names its topic and key (few channels, one LISTEN). */
export const PUBSUB_CHANNEL = 'hangar_pubsub';
/** NOTIFY payloads must stay below 8000 bytes; a bigger notice is sent as "catch up". */
const MAX_PAYLOAD = 7_000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

interface Wire {
  /** The replica that published (it delivered to its own subscribers already). */
  o: string;
  t: string;
  k: string;
  /** The notice, or null when it was too big to send (subscribers catch up). */
  m: unknown;
}

/**
 * PostgreSQL: LISTEN on one dedicated connection, NOTIFY through `pg_notify` on the store's pool
 * (or in the write's transaction). A replica skips its own notices: its subscribers had the whole
 * message already. When the listening connection is lost it reconnects with backoff, and once it
 * listens again every subscriber is told to catch up, so a notice sent meanwhile is not missed.
 */
export class PostgresPubSub extends LocalPubSub {
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  private readonly listening: Promise<void>;
  private markListening!: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly url: string,
    private readonly origin: string,
    onError: (error: unknown) => void = warn,
  ) {
    super(onError);
    this.listening = new Promise((resolve) => (this.markListening = resolve));
    void this.connect();
  }

  override async publish<T>(topic: Topic<T>, key: string, message: T): Promise<void> {
    this.deliver(topic.name, key, message);
    try {
      await sql`select pg_notify(${PUBSUB_CHANNEL}, ${this.payload(topic, key, message)})`.execute(this.db);
    } catch (error) {
      this.onError(error);
    }
  }

  override async publishWithin<T>(trx: Kysely<Database>, topic: Topic<T>, key: string, message: T) {
    await sql`select pg_notify(${PUBSUB_CHANNEL}, ${this.payload(topic, key, message)})`.execute(trx);
    return () => this.deliver(topic.name, key, message);
  }

  override ready(): Promise<void> {
    return this.listening;
  }

  override async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await super.close();
  }

  private payload<T>(topic: Topic<T>, key: string, message: T): string {
    const wire: Wire = { o: this.origin, t: topic.name, k: key, m: topic.notice(message) };
    const text = JSON.stringify(wire);
    return Buffer.byteLength(text) <= MAX_PAYLOAD ? text : JSON.stringify({ ...wire, m: null });
  }

  private readonly topics = new Map<string, Topic<unknown>>();

  override subscribe<T>(topic: Topic<T>, key: string, listener: Listener<T>): () => void {
    this.topics.set(topic.name, topic as Topic<unknown>);
    return super.subscribe(topic, key, listener);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const { default: driver } = await import('pg');
    const client = new driver.Client({
      connectionString: this.url,
      application_name: `hangar-pubsub ${this.origin}`.slice(0, 63),
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.closed) return;
      if (error) this.onError(new Error(`pub/sub connection lost (${error.message}); reconnecting`));
      this.retry();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (n) => {
      if (n.channel === PUBSUB_CHANNEL && n.payload) this.receive(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${PUBSUB_CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (this.closed || lost) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RECONNECT_MIN_MS;
    this.markListening();
    // Anything published while this replica was not listening is read now.
    this.catchUpAll();
  }

  private retry(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2);
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref();
  }

  private receive(payload: string): void {
    let wire: Wire;
    try {
      wire = JSON.parse(payload) as Wire;
    } catch {
      return;
    }
    if (wire.o === this.origin || !this.has(wire.t, wire.k)) return;
    const topic = this.topics.get(wire.t);
    if (!topic) return;
    let message: unknown;
    try {
      message = wire.m === null ? undefined : topic.fromNotice(wire.m);
    } catch (error) {
      this.onError(error);
      message = undefined;
    }
    this.deliver(wire.t, wire.k, message);
  }
}

export function createPubSub(
  options: { dialect: 'sqlite' | 'postgres'; db: Kysely<Database>; url: string; origin: string },
  onError: (error: unknown) => void = warn,
): PubSub {
  if (options.dialect === 'sqlite') return new LocalPubSub(onError);
  return new PostgresPubSub(options.db, options.url, options.origin, onError);
}

function slot(topic: string, key: string): string {
  return `${topic}\u0000${key}`;
}

function warn(error: unknown): void {
  process.emitWarning(`pub/sub: ${error instanceof Error ? error.message : String(error)}`);
}
