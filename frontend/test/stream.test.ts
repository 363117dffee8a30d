import { describe, expect, it } from "vitest";
import { AlertStream, type EventSourceLike, type StreamState } from "../src/stream";

/** A hand-driven EventSource: the test opens, breaks and feeds each connection. */
class FakeSource implements EventSourceLike {
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
  }

  open(): void {
    this.onopen?.(new Event("open"));
  }

  fail(): void {
    this.onerror?.(new Event("error"));
  }

  send(id: number, type = "alert.created", body: object = {}): void {
    const event = new MessageEvent<string>(type, { data: JSON.stringify({ id, type, timestamp: "", data: body }), lastEventId: String(id) });
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

function harness(online = true) {
  const sources: FakeSource[] = [];
  const states: StreamState[] = [];
  const received: number[] = [];
  const waits: number[] = [];
  const pending: (() => void)[] = [];
  let isOnline = online;
  const stream = new AlertStream({
    url: "/api/v1/alerts/stream",
    open: (url) => {
      const source = new FakeSource(url);
      sources.push(source);
      return source;
    },
    onEvent: (envelope) => received.push(envelope.id),
    onState: (state) => states.push(state),
    delays: [100, 200, 400],
    isOnline: () => isOnline,
    schedule: (run, ms) => {
      waits.push(ms);
      pending.push(run);
      return () => pending.splice(pending.indexOf(run), 1);
    },
  });
  const runPending = () => pending.splice(0).forEach((run) => run());
  return { stream, sources, states, received, waits, runPending, setOnline: (value: boolean) => (isOnline = value) };
}

describe("the alert stream", () => {
  it("goes live when the connection opens and delivers events", () => {
    const t = harness();
    t.stream.start();
    t.sources[0].open();
    t.sources[0].send(7);
    t.sources[0].send(8, "alert.acknowledged");
    expect(t.states).toEqual(["live"]);
    expect(t.received).toEqual([7, 8]);
    expect(t.sources[0].url).toBe("/api/v1/alerts/stream");
  });

  it("reconnects with Last-Event-ID after a break, backing off", () => {
    const t = harness();
    t.stream.start();
    t.sources[0].open();
    t.sources[0].send(41);
    t.sources[0].fail();
    expect(t.sources[0].closed).toBe(true);
    expect(t.states.at(-1)).toBe("reconnecting");
    t.runPending();
    expect(t.sources[1].url).toBe("/api/v1/alerts/stream?last_event_id=41");
    t.sources[1].fail();
    t.runPending();
    t.sources[2].fail();
    t.runPending();
    t.sources[3].fail();
    expect(t.waits).toEqual([100, 200, 400, 400]);
    t.runPending();
    t.sources[4].open();
    expect(t.states.at(-1)).toBe("live");
    t.sources[4].fail();
    expect(t.waits.at(-1)).toBe(100); // a good connection resets the back-off
  });

  it("resumes from the position a fresh stream announced, before any alert arrived", () => {
    const t = harness();
    t.stream.start();
    t.sources[0].open();
    t.sources[0].send(120, "stream.open", { position: 120 });
    t.sources[0].fail();
    t.runPending();
    expect(t.received).toEqual([]);
    expect(t.sources[1].url).toBe("/api/v1/alerts/stream?last_event_id=120");
  });

  it("asks for a reload when the server could not replay everything", () => {
    let resets = 0;
    const source = new FakeSource("");
    const stream = new AlertStream({ url: "/s", open: () => source, onEvent: () => {}, onState: () => {}, onReset: () => (resets += 1) });
    stream.start();
    source.send(0, "stream.reset");
    expect(resets).toBe(1);
  });

  it("delivers a replayed event once", () => {
    const t = harness();
    t.stream.start();
    t.sources[0].open();
    t.sources[0].send(1);
    t.sources[0].send(2);
    t.sources[0].fail();
    t.runPending();
    t.sources[1].open();
    t.sources[1].send(2); // the server replays from the last id it is sure of
    t.sources[1].send(3);
    expect(t.received).toEqual([1, 2, 3]);
  });

  it("says offline when the browser is offline, and retries at once when it is back", () => {
    const t = harness();
    t.stream.start();
    t.sources[0].open();
    t.setOnline(false);
    t.stream.wentOffline();
    expect(t.states.at(-1)).toBe("offline");
    t.setOnline(true);
    t.stream.retryNow();
    expect(t.sources).toHaveLength(2);
    t.sources[1].open();
    expect(t.states.at(-1)).toBe("live");
  });

  it("ignores a connection it has already replaced", () => {
    const t = harness();
    t.stream.start();
    t.sources[0].fail();
    t.runPending();
    t.sources[0].send(5); // a late event from the closed connection
    t.sources[0].fail();
    expect(t.received).toEqual([]);
    expect(t.sources).toHaveLength(2);
  });

  it("stops for good", () => {
    const t = harness();
    t.stream.start();
    t.sources[0].fail();
    t.stream.stop();
    t.runPending();
    expect(t.sources).toHaveLength(1);
  });
});
