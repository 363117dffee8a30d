// The live alert panel: newest first, filtered by level and status, with acknowledge
// and resolve for analysts, and a visible (and optionally audible) critical announcement.

import type { Alert, AlertBook } from "./alerts";
import { Api } from "./api";
import { marking } from "./classification";
import { byId, h } from "./dom";
import { ago, distance, utc } from "./format";
import type { StreamState } from "./stream";

export interface PanelOptions {
  api: Api;
  book: AlertBook;
  canAct: () => boolean;
  onSelect: (alert: Alert) => void;
  onChanged: () => void;
  filters: () => { levels: string[]; statuses: string[] };
  onFilters: (levels: string[], statuses: string[]) => void;
}

const STATE_TEXT: Record<StreamState, string> = {
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting…",
  offline: "offline",
};

export class AlertPanel {
  private readonly list = byId<HTMLOListElement>("alert-list");
  private readonly flash = byId("critical-flash");
  private readonly sound = byId<HTMLInputElement>("sound");
  private audio: AudioContext | null = null;
  private resolving: number | null = null;

  constructor(private readonly options: PanelOptions) {
    const level = byId<HTMLSelectElement>("alert-level");
    const status = byId<HTMLSelectElement>("alert-status");
    const { levels, statuses } = options.filters();
    level.value = levels.join(",");
    status.value = statuses.join(",");
    if (status.value !== statuses.join(",")) status.value = "";
    const changed = () => {
      options.onFilters(level.value ? level.value.split(",") : [], status.value ? status.value.split(",") : []);
      this.render();
    };
    level.addEventListener("change", changed);
    status.addEventListener("change", changed);
    this.sound.checked = localStorage.getItem("bluewatch.sound") === "on";
    this.sound.addEventListener("change", () => {
      localStorage.setItem("bluewatch.sound", this.sound.checked ? "on" : "off");
      if (this.sound.checked) this.audio ??= new AudioContext();
    });
  }

  setConnection(state: StreamState): void {
    const node = byId("connection");
    node.dataset.state = state;
    node.textContent = STATE_TEXT[state];
  }

  /** What the panel shows now: the alerts that pass its filters. */
  shown(): Alert[] {
    const { levels, statuses } = this.options.filters();
    return this.options.book.list(levels, statuses);
  }

  render(): void {
    const items = this.shown().slice(0, 300).map((alert) => this.item(alert));
    this.list.replaceChildren(...items);
    if (!items.length) this.list.append(h("li", { class: "empty" }, "No alerts match."));
  }

  /** A critical alert was raised: flash it, announce it to screen readers, beep if wanted. */
  announce(alert: Alert): void {
    const text = `Critical alert: ${alert.properties.headline}`;
    this.flash.hidden = false;
    this.flash.textContent = text;
    byId("announcer").textContent = text;
    window.setTimeout(() => {
      if (this.flash.textContent === text) this.flash.hidden = true;
    }, 8000);
    if (this.sound.checked) this.beep();
  }

  private beep(): void {
    this.audio ??= new AudioContext();
    const oscillator = this.audio.createOscillator();
    const gain = this.audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.value = 0.15;
    oscillator.connect(gain).connect(this.audio.destination);
    oscillator.start();
    oscillator.stop(this.audio.currentTime + 0.35);
  }

  private item(alert: Alert): HTMLLIElement {
    const p = alert.properties;
    const target = p.target ? `${p.target.type === "camp" ? "Camp" : "Route"} ${p.target.name}` : "Surge";
    const where = p.distance_m !== null ? ` · ${distance(p.distance_m)}` : p.member_count ? ` · ${p.member_count} incidents` : "";
    const open = h("button", { type: "button", class: "alert-open", "aria-label": `Show on map: ${p.headline}` },
      h("span", { class: `level level-${p.level}` }, p.level.toUpperCase()),
      h("span", { class: "headline" }, p.headline),
      h("span", { class: "meta" }, `${target}${where}`),
      h("span", { class: "meta" }, h("time", { datetime: p.created_at, title: utc(p.created_at) }, ago(p.created_at)),
        ` · ${p.status}`, p.classification !== "unclassified" ? ` · ${marking(p.classification)}` : ""),
    );
    open.addEventListener("click", () => this.options.onSelect(alert));
    const li = h("li", { class: `alert alert-${p.level} status-${p.status}`, "data-alert-id": String(alert.id), "data-status": p.status }, open);
    if (this.options.canAct() && p.status !== "resolved") li.append(this.actions(alert));
    return li;
  }

  private actions(alert: Alert): HTMLElement {
    const bar = h("div", { class: "alert-actions" });
    if (alert.properties.status === "open") {
      const ack = h("button", { type: "button", class: "ack" }, "Acknowledge");
      ack.addEventListener("click", () => void this.transition(alert, "ack", null, ack));
      bar.append(ack);
    }
    if (this.resolving === alert.id) {
      const note = h("input", { type: "text", maxlength: 2000, "aria-label": "Resolution note", placeholder: "Note (why it is resolved)" });
      const confirm = h("button", { type: "button", class: "primary resolve-confirm" }, "Resolve");
      const cancel = h("button", { type: "button" }, "Cancel");
      confirm.addEventListener("click", () => void this.transition(alert, "resolve", note.value.trim() || null, confirm));
      cancel.addEventListener("click", () => {
        this.resolving = null;
        this.render();
      });
      bar.append(note, confirm, cancel);
      queueMicrotask(() => note.focus());
    } else {
      const resolve = h("button", { type: "button", class: "resolve" }, "Resolve…");
      resolve.addEventListener("click", () => {
        this.resolving = alert.id;
        this.render();
      });
      bar.append(resolve);
    }
    return bar;
  }

  private async transition(alert: Alert, action: "ack" | "resolve", note: string | null, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const updated = await this.options.api.post<Alert>(`/alerts/${alert.id}/${action}`, note ? { note } : undefined);
      this.options.book.keep(updated);
      this.resolving = null;
      this.options.onChanged();
    } catch (error) {
      button.disabled = false;
      byId("announcer").textContent = error instanceof Error ? error.message : "The change failed.";
      button.title = error instanceof Error ? error.message : "The change failed.";
    }
  }
}
