// The sign-in page. After a session expires it comes back over the map, which keeps
// its view (the URL carries it) and resumes where it was once signed in again.

import { Api, ApiError, type SessionInfo } from "./api";
import { byId } from "./dom";
import { t } from "./i18n";

export function askToSignIn(api: Api, note: string): Promise<SessionInfo> {
  const page = byId("signin");
  const form = byId<HTMLFormElement>("signin-form");
  const error = byId("signin-error");
  byId("signin-note").textContent = note;
  error.textContent = "";
  page.hidden = false;
  byId("signin-username").focus();
  return new Promise((resolve) => {
    const submit = async (event: SubmitEvent) => {
      event.preventDefault();
      const values = new FormData(form);
      const username = String(values.get("username") ?? "").trim();
      const password = String(values.get("password") ?? "");
      if (!username || !password) {
        error.textContent = t("Enter your username and password.");
        return;
      }
      try {
        const session = await api.signIn(username, password);
        form.removeEventListener("submit", submit);
        byId<HTMLInputElement>("signin-password").value = "";
        page.hidden = true;
        resolve(session);
      } catch (problem) {
        error.textContent =
          problem instanceof ApiError && problem.status === 401
            ? t("Wrong username or password.")
            : problem instanceof Error
              ? problem.message
              : t("Sign-in failed.");
      }
    };
    form.addEventListener("submit", submit);
  });
}
