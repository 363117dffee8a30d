// Start-up: sign in (or reuse the session), then open the mission map.

import "maplibre-gl/dist/maplibre-gl.css";
import "./style.css";
import { setWorkerUrl } from "maplibre-gl";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import { Api } from "./api";
import { MissionMap } from "./app";
import { askToSignIn } from "./signin";
import { applyTheme } from "./theme";
import { t, translatePage } from "./i18n";

setWorkerUrl(workerUrl);
translatePage(); // the page's own text first, in the chosen language
applyTheme(undefined); // the sign-in page too, before the map exists

declare global {
  interface Window {
    bluewatch?: MissionMap;
  }
}

async function boot(): Promise<void> {
  const api = new Api();
  let expired = false;
  const session = (await api.currentSession()) ?? (await askToSignIn(api, t("Sign in to the mission map.")));
  const app = new MissionMap(api, session);
  window.bluewatch = app;
  api.onExpired(async () => {
    if (expired) return;
    expired = true;
    app.suspend();
    const again = await askToSignIn(api, t("Your session has ended. Sign in again; your view is kept."));
    expired = false;
    // Someone else signed in: start afresh (their clearance and role differ), same view.
    if (again.username !== session.username) location.reload();
    else app.resume(again);
  });
  await app.ready;
}

boot().catch((error: unknown) => {
  const note = document.getElementById("signin-note");
  if (note) note.textContent = t("The map could not start: {reason}. Reload to try again.", { reason: error instanceof Error ? error.message : t("unknown error") });
  document.getElementById("signin")?.removeAttribute("hidden");
});
