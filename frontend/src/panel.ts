// The live alert panel: most severe first (or newest raised, or latest incident), filtered
// by level and status, in compact rows that show when the incident happened and when the
// alert was raised; acknowledge and resolve (each with a note) for analysts, who did what
// shown on the row; a visible (and optionally audible) critical announcement; the units
// each alert was given to, their steps, and tasking (tasks.ts).

import { ALERT_ORDERS, type Alert, type AlertBook, type AlertOrder } from "./alerts";
import { Api } from "./api";
import { marking } from "./classification";
import { byId, h } from "./dom";
import { ago, label, shortWhen, when } from "./format";
import { headline } from "./headline";
import { t } from "./i18n";
import type { StreamState } from "./stream";
import { type Task, type TaskBook, type TaskStatus, type UnitOption, postTask, taskRow, unitChooser } from "./tasks";

export interface PanelOptions {
  api: Api;
  book: AlertBook;
  tasks: TaskBook;
  canAct: () => boolean;
  onSelect: (alert: Alert) => void;
  onChanged: () => void;
  filters: () => { levels: string[]; statuses: string[]; order: AlertOrder };
  onFilters: (levels: string[], statuses: string[], order: AlertOrder) => void;
  /** The panel changed width: the map takes the room. */
  onResize: () => void;
}

const ORDER_LABELS: Record<AlertOrder, () => string> = {
  level: () => t("Most severe first"),
  raised: () => t("Newest raised first"),
  occurred: () => t("Latest incident first"),
};

type Action = "ack" | "resolve";

const STATE_TEXT: Record<StreamState, () => string> = {
  connecting: () => t("connecting"),
  live: () => t("live"),
  reconnecting: () => t("reconnecting…"),
  offline: () => t("offline"),
};

export class AlertPanel {
  private readonly list = byId<HTMLOListElement>("alert-list");
  private readonly flash = byId("critical-flash");
  private readonly sound = byId<HTMLInputElement>("sound");
  private audio: AudioContext | null = null;
  /** The alert whose acknowledge or resolve note is being written, if any. */
  private noting: { id: number; action: Action } | null = null;
  /** The alert a unit is being chosen for, and the units offered (null while they load). */
  private tasking: { id: number; units: UnitOption[] | null; draft: { note: string } } | null = null;

  constructor(private readonly options: PanelOptions) {
    const level = byId<HTMLSelectElement>("alert-level");
    const status = byId<HTMLSelectElement>("alert-status");
    const order = byId<HTMLSelectElement>("alert-order");
    for (const value of ALERT_ORDERS) order.append(h("option", { value }, ORDER_LABELS[value]()));
    const { levels, statuses, order: chosen } = options.filters();
    level.value = levels.join(",");
    status.value = statuses.join(",");
    if (status.value !== statuses.join(",")) status.value = "";
    order.value = chosen;
    const changed = () => {
      options.onFilters(level.value ? level.value.split(",") : [], status.value ? status.value.split(",") : [],
        ALERT_ORDERS.find((known) => known === order.value) ?? "level");
      this.render();
    };
    for (const select of [level, status, order]) select.addEventListener("change", changed);
    const toggle = byId<HTMLButtonElement>("panel-toggle");
    const collapse = (collapsed: boolean) => {
      byId("panel").classList.toggle("collapsed", collapsed);
      toggle.textContent = collapsed ? "‹" : "›";
      const words = collapsed ? t("Show the alert panel") : t("Hide the alert panel");
      toggle.setAttribute("aria-label", words);
      toggle.title = words;
      toggle.setAttribute("aria-expanded", String(!collapsed));
      localStorage.setItem("bluewatch.panel", collapsed ? "collapsed" : "open");
      options.onResize();
    };
    toggle.addEventListener("click", () => collapse(toggle.getAttribute("aria-expanded") === "true"));
    if (localStorage.getItem("bluewatch.panel") === "collapsed") collapse(true);
    this.sound.checked = localStorage.getItem("bluewatch.sound") === "on";
    this.sound.addEventListener("change", () => {
      localStorage.setItem("bluewatch.sound", this.sound.checked ? "on" : "off");
      if (this.sound.checked) this.audio ??= new AudioContext();
    });
  }

  setConnection(state: StreamState): void {
    const node = byId("connection");
    node.dataset.state = state;
    node.textContent = STATE_TEXT[state]();
  }

  /** What the panel shows now: the alerts that pass its filters. */
  shown(): Alert[] {
    const { levels, statuses, order } = this.options.filters();
    return this.options.book.list(levels, statuses, order);
  }

  render(): void {
    // Collapsed, the panel still says how many critical alerts are open.
    const open = this.options.book.list(["critical"], ["open"]).length;
    byId("panel-toggle").dataset.critical = String(open);
    const items = this.shown().slice(0, 300).map((alert) => this.item(alert));
    this.list.replaceChildren(...items);
    if (!items.length) this.list.append(h("li", { class: "empty" }, t("No alerts match.")));
  }

  /** A critical alert was raised: flash it, announce it to screen readers, beep if wanted. */
  announce(alert: Alert): void {
    const text = t("Critical alert: {headline}", { headline: headline(alert.properties) });
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
    const words = headline(p);
    const open = h("button", { type: "button", class: "alert-open", "aria-label": t("Show on map: {headline}", { headline: words }), title: words },
      h("span", { class: `level level-${p.level}` }, label(p.level).toUpperCase()),
      h("span", { class: "headline", translate: "no" }, words),
    );
    open.addEventListener("click", () => this.options.onSelect(alert));
    const times = h("div", { class: "meta times" },
      p.occurred_at ? h("time", { class: "occurred", datetime: p.occurred_at, title: t("Occurred {time}", { time: when(p.occurred_at) }) }, t("Occ {time}", { time: shortWhen(p.occurred_at) })) : "",
      p.occurred_at ? " · " : "",
      h("time", { class: "raised", datetime: p.created_at, title: t("Raised {time}", { time: when(p.created_at) }) }, t("raised {ago}", { ago: ago(p.created_at) })),
      p.status !== "open" ? ` · ${label(p.status).toLowerCase()}` : "",
      p.classification !== "unclassified" ? h("span", { class: "marking", "data-level": p.classification, translate: "no" }, marking(p.classification)) : "",
    );
    const li = h("li", { class: `alert alert-${p.level} status-${p.status}`, "data-alert-id": String(alert.id), "data-status": p.status }, open, times);
    const record = accountability(alert);
    if (record) li.append(record);
    const tasks = this.options.tasks.forAlert(alert.id);
    if (tasks.length) {
      li.append(h("ul", { class: "tasks", "aria-label": t("Units sent") },
        ...tasks.map((task) => taskRow(task, this.options.canAct(), (chosen, status, button) => void this.step(chosen, status, button)))));
    }
    if (this.options.canAct() && p.status !== "resolved") {
      li.append(this.actions(alert));
      if (this.tasking?.id === alert.id) {
        li.append(unitChooser(this.tasking.units, (unit, note, button) => void this.send(alert, unit, note, button), () => {
          this.tasking = null;
          this.render();
        }, this.tasking.draft));
      }
    }
    return li;
  }

  private actions(alert: Alert): HTMLElement {
    const bar = h("div", { class: "alert-actions" });
    if (this.noting?.id === alert.id) {
      const action = this.noting.action;
      const words = action === "ack" ? t("Acknowledge") : t("Resolve");
      const note = h("input", {
        type: "text", maxlength: 2000, class: "note",
        "aria-label": action === "ack" ? t("Acknowledge note") : t("Resolve note"),
        placeholder: action === "ack" ? t("Note (optional): who is on it") : t("Note: why it is resolved"),
      });
      const confirm = h("button", { type: "button", class: `primary ${action}-confirm` }, words);
      const cancel = h("button", { type: "button" }, t("Cancel"));
      const send = () => void this.transition(alert, action, note.value.trim() || null, confirm);
      confirm.addEventListener("click", send);
      note.addEventListener("keydown", (event) => {
        if (event.key === "Enter") send();
        if (event.key === "Escape") cancel.click();
      });
      cancel.addEventListener("click", () => {
        this.noting = null;
        this.tasking = null;
        this.render();
      });
      bar.append(note, confirm, cancel);
      queueMicrotask(() => note.focus());
      return bar;
    }
    const start = (action: Action, text: string, className: string, name: string) => {
      const button = h("button", { type: "button", class: className, "aria-label": name, title: name }, text);
      button.addEventListener("click", () => {
        this.noting = { id: alert.id, action };
        this.tasking = null;
        this.render();
      });
      bar.append(button);
    };
    if (alert.properties.status === "open") start("ack", t("Ack"), "ack", t("Acknowledge (with a note)"));
    const task = h("button", { type: "button", class: "task", "aria-label": t("Send a unit (fastest by road first)"),
      title: t("Send a unit (fastest by road first)") }, t("Task"));
    task.addEventListener("click", () => void this.chooseUnit(alert));
    bar.append(task);
    start("resolve", t("Resolve"), "resolve", t("Resolve (with a note)"));
    return bar;
  }

  /** Open the unit chooser under the alert, and ask which units can go. */
  private async chooseUnit(alert: Alert): Promise<void> {
    this.noting = null;
    this.tasking = { id: alert.id, units: null, draft: { note: "" } };
    this.render();
    try {
      const answer = await this.options.api.get<{ units: UnitOption[] }>(`/alerts/${alert.id}/units`, new URLSearchParams({ limit: "8" }));
      if (this.tasking?.id === alert.id) this.tasking.units = answer.units;
    } catch (error) {
      this.tasking = null;
      this.fail(error);
    }
    this.render();
  }

  private async send(alert: Alert, unit: UnitOption, note: string | null, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const task = await postTask(this.options.api, alert.id, unit, note);
      this.options.tasks.keep(task);
      this.tasking = null;
      byId("announcer").textContent = t("{unit} tasked.", { unit: unit.name });
      this.options.onChanged();
    } catch (error) {
      button.disabled = false;
      this.fail(error, button);
    }
  }

  private async step(task: Task, status: TaskStatus, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      this.options.tasks.keep(await this.options.api.patch<Task>(`/tasks/${task.id}`, { status }));
      this.options.onChanged();
    } catch (error) {
      button.disabled = false;
      this.fail(error, button);
    }
  }

  private fail(error: unknown, button?: HTMLButtonElement): void {
    const message = error instanceof Error ? error.message : t("The change failed.");
    byId("announcer").textContent = message;
    if (button) button.title = message;
  }

  private async transition(alert: Alert, action: Action, note: string | null, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const updated = await this.options.api.post<Alert>(`/alerts/${alert.id}/${action}`, note ? { note } : undefined);
      this.options.book.keep(updated);
      this.noting = null;
      this.options.onChanged();
    } catch (error) {
      button.disabled = false;
      byId("announcer").textContent = error instanceof Error ? error.message : t("The change failed.");
      button.title = error instanceof Error ? error.message : t("The change failed.");
    }
  }
}

/** Who acknowledged and resolved the alert, when, and their notes; null before anyone did. */
export function accountability(alert: Alert): HTMLElement | null {
  const p = alert.properties;
  const lines: HTMLElement[] = [];
  const line = (what: string, who: string | null, at: string | null, note: string | null, className: string) => {
    if (!at) return;
    lines.push(h("div", { class: className }, what, " ", h("span", { translate: "no" }, who ?? t("unknown")), ` ${when(at)}`,
      note ? h("q", { translate: "no" }, note) : ""));
  };
  line(t("Acknowledged by"), p.acknowledged_by, p.acknowledged_at, p.acknowledge_note, "acknowledged");
  line(t("Resolved by"), p.resolved_by, p.resolved_at, p.resolve_note, "resolved");
  return lines.length ? h("div", { class: "meta accountability" }, ...lines) : null;
}
