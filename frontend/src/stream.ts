// The live feed: Server-Sent Events over the session cookie (alerts and their tasks, and
// the changes of the layers' records), resumed with Last-Event-ID after any break, and never
// delivering the same event twice.

export const ALERT_EVENT_TYPES = ["alert.created", "alert.updated", "alert.acknowledged", "alert.resolved"] as const;
export const TASK_EVENT_TYPES = ["task.created", "task.updated"] as const;
export const LAYER_EVENT_TYPES = ["incident", "camp", "route", "road", "facility", "unit"].flatMap((layer) =>
  ["created", "updated", "deleted", "batch"].map((change) => `${layer}.${change}`),
);
export const EVENT_TYPES: readonly string[] = [...ALERT_EVENT_TYPES, ...TASK_EVENT_TYPES, ...LAYER_EVENT_TYPES];
export type EventType = string;

/** A layer change: which record (null for a batch: reload the layer). */
export interface LayerChange {
  layer: "incident" | "camp" | "route" | "road" | "facility" | "unit";
  id: number | null;
}
export type StreamState = "connecting" | "live" | "reconnecting" | "offline";

export interface Envelope<T = unknown> {
  id: number;
  type: EventType;
  timestamp: string;
  data: T;
}

/** The part of `EventSource` the stream uses, so tests can drive it by hand. */
export interface EventSourceLike {
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export interface StreamOptions<T> {
  url: string;
  open?: (url: string) => EventSourceLike;
  onEvent: (envelope: Envelope<T>) => void;
  onState: (state: StreamState) => void;
  /** The server purged events this client missed: reload the alert list. */
  onReset?: () => void;
  /** Called on each break, e.g. to find out whether the session has ended. */
  onBreak?: () => void;
  /** Waits before each reconnection attempt, in ms; the last repeats. */
  delays?: number[];
  isOnline?: () => boolean;
  schedule?: (run: () => void, ms: number) => () => void;
  /** How many delivered ids to remember against replays. */
  remember?: number;
}

const DEFAULT_DELAYS = [500, 1000, 2000, 5000, 10_000, 30_000];

export class AlertStream<T = unknown> {
  lastEventId: number | null = null;
  state: StreamState = "connecting";
  private source: EventSourceLike | null = null;
  private attempt = 0;
  private cancelRetry: (() => void) | null = null;
  private readonly delivered = new Set<number>();
  private readonly order: number[] = [];
  private stopped = true;

  constructor(private readonly options: StreamOptions<T>) {}

  /** The URL of the next connection: resumes after the last event seen. */
  connectionUrl(): string {
    if (this.lastEventId === null) return this.options.url;
    const separator = this.options.url.includes("?") ? "&" : "?";
    return `${this.options.url}${separator}last_event_id=${this.lastEventId}`;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.source?.close();
    this.source = null;
  }

  /** The network is back (the browser's `online` event): try again now, not at the next wait. */
  retryNow(): void {
    if (this.stopped || this.state === "live") return;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.connect();
  }

  /** The network went away (the browser's `offline` event). */
  wentOffline(): void {
    if (this.stopped) return;
    this.source?.close();
    this.source = null;
    this.setState("offline");
  }

  private connect(): void {
    this.source?.close();
    if (this.attempt > 0) this.setState(this.online() ? "reconnecting" : "offline");
    const open = this.options.open ?? ((url: string) => new EventSource(url) as EventSourceLike);
    const source = open(this.connectionUrl());
    this.source = source;
    source.onopen = () => {
      if (source !== this.source) return;
      this.attempt = 0;
      this.setState("live");
    };
    source.onerror = () => {
      if (source !== this.source) return;
      this.handleBreak();
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        if (source === this.source) this.receive(event);
      });
    }
    // A fresh stream says where it starts: resume from there even if no alert came yet.
    source.addEventListener("stream.open", (event) => {
      const position = Number(event.lastEventId);
      if (source === this.source && Number.isSafeInteger(position)) this.lastEventId = position;
    });
    source.addEventListener("stream.reset", () => {
      if (source === this.source) this.options.onReset?.();
    });
  }

  private receive(event: MessageEvent<string>): void {
    let envelope: Envelope<T>;
    try {
      envelope = JSON.parse(event.data) as Envelope<T>;
    } catch {
      return; // not ours to show; the next event carries on
    }
    const id = Number(event.lastEventId || envelope.id);
    if (!Number.isSafeInteger(id)) return;
    this.lastEventId = id;
    if (this.delivered.has(id)) return;
    this.remember(id);
    this.options.onEvent({ ...envelope, id });
  }

  private remember(id: number): void {
    this.delivered.add(id);
    this.order.push(id);
    const limit = this.options.remember ?? 5000;
    while (this.order.length > limit) this.delivered.delete(this.order.shift() as number);
  }

  private handleBreak(): void {
    this.source?.close();
    this.source = null;
    this.setState(this.online() ? "reconnecting" : "offline");
    this.options.onBreak?.();
    const delays = this.options.delays ?? DEFAULT_DELAYS;
    const wait = delays[Math.min(this.attempt, delays.length - 1)];
    this.attempt += 1;
    const schedule =
      this.options.schedule ??
      ((run: () => void, ms: number) => {
        const timer = setTimeout(run, ms);
        return () => clearTimeout(timer);
      });
    this.cancelRetry = schedule(() => {
      this.cancelRetry = null;
      if (!this.stopped) this.connect();
    }, wait);
  }

  private online(): boolean {
    return this.options.isOnline?.() ?? navigator.onLine;
  }

  private setState(state: StreamState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onState(state);
  }
}
