// Calls to the Bluewatch API over the session cookie. Changes carry the CSRF token;
// a 401 anywhere means the session ended, and the page returns to sign-in.

import type { components } from "./generated/openapi";
import { t } from "./i18n";

export interface FieldProblem {
  pointer: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldProblem[] = [],
  ) {
    super(detail || title);
  }

  /** Messages by property name, from pointers such as "/properties/title". */
  byField(): Map<string, string> {
    const found = new Map<string, string>();
    for (const error of this.errors) {
      const parts = error.pointer.split("/").filter(Boolean);
      // A record's properties, or a rule's params: the field is the member inside.
      const field = (parts[0] === "properties" || parts[0] === "params") && parts.length > 1 ? parts[1] : parts[0] ?? "";
      if (!found.has(field)) found.set(field, error.message);
    }
    return found;
  }
}

// From the API's OpenAPI document (scripts/api-types), never written by hand.
export type SessionInfo = components["schemas"]["SessionInfo"];

type Listener = () => void;

export class Api {
  private csrf: string | null = null;
  private readonly expiredListeners: Listener[] = [];

  constructor(readonly base = "/api/v1") {}

  onExpired(listener: Listener): void {
    this.expiredListeners.push(listener);
  }

  /** The session has ended: tell whoever is listening (the page returns to sign-in). */
  expire(): void {
    for (const listener of this.expiredListeners) listener();
  }

  useSession(session: SessionInfo | null): void {
    this.csrf = session?.csrf_token ?? null;
  }

  url(path: string, params?: URLSearchParams): string {
    const query = params && [...params.keys()].length ? `?${params.toString()}` : "";
    return `${this.base}${path}${query}`;
  }

  async request<T>(method: string, path: string, body?: unknown, params?: URLSearchParams): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json, application/geo+json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && this.csrf) headers["X-CSRF-Token"] = this.csrf;
    let response: Response;
    try {
      response = await fetch(this.url(path, params), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch {
      throw new ApiError(0, t("Network unreachable"), t("The server could not be reached. Check the connection."));
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const problem = (parsed ?? {}) as { title?: string; detail?: string; errors?: FieldProblem[] };
      const error = new ApiError(
        response.status,
        problem.title ?? response.statusText,
        problem.detail ?? "",
        Array.isArray(problem.errors) ? problem.errors : [],
      );
      if (response.status === 401 && path !== "/session") this.expire();
      throw error;
    }
    return parsed as T;
  }

  get<T>(path: string, params?: URLSearchParams): Promise<T> {
    return this.request<T>("GET", path, undefined, params);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>("DELETE", path);
  }

  async signIn(username: string, password: string): Promise<SessionInfo> {
    const session = await this.post<SessionInfo>("/session", { username, password });
    this.useSession(session);
    return session;
  }

  /** The session the browser holds, or null; asks without provoking a 401. */
  async currentSession(): Promise<SessionInfo | null> {
    const { session } = await this.get<{ session: SessionInfo | null }>("/session/current");
    this.useSession(session);
    return session;
  }

  async signOut(): Promise<void> {
    await this.request<void>("DELETE", "/session");
    this.useSession(null);
  }
}
