// Start-up: sign in (or reuse the session), then open the mission map.

import "maplibre-gl/dist/maplibre-gl.css";
import "./style.css";
import { setWorkerUrl } from "maplibre-gl";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { Api } from "./api";
import { MissionMap } from "./app";
import { askToSignIn } from "./signin";
import { applyTheme } from "./theme";

setWorkerUrl(workerUrl);
applyTheme(undefined); // the sign-in page too, before the map exists

declare global {
  interface Window {
    bluewatch?: MissionMap;
  }
}

async function boot(): Promise<void> {
  const api = new Api();
  let expired = false;
  const session = (await api.currentSession()) ?? (await askToSignIn(api, "Sign in to the mission map."));
  const app = new MissionMap(api, session);
  window.bluewatch = app;
  api.onExpired(async () => {
    if (expired) return;
    expired = true;
    app.suspend();
    const again = await askToSignIn(api, "Your session has ended. Sign in again; your view is kept.");
    expired = false;
    // Someone else signed in: start afresh (their clearance and role differ), same view.
    if (again.username !== session.username) location.reload();
    else app.resume(again);
  });
  await app.ready;
}

boot().catch((error: unknown) => {
  const note = document.getElementById("signin-note");
  if (note) note.textContent = `The map could not start: ${error instanceof Error ? error.message : "unknown error"}. Reload to try again.`;
  document.getElementById("signin")?.removeAttribute("hidden");
});
