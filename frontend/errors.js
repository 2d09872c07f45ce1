/**
 * What to tell the user about a failure, and what they can do next. Pure: error in, words out.
 */

import { ApiError } from "./api.js";
import { SignInError } from "./auth.js";
import { t } from "./strings.js";

/**
 * @returns {{title: string, next: string, action: "retry"|"signin"|"reopen"|null,
 *            requestId: string|null, retryAfterS: number|null, code: string}}
 */
export function describeError(error) {
  if (error instanceof SignInError) {
    const key = error.messageKey;
    const params = { code: String(error.code).replace(/^naa:/, "") };
    return {
      title: t(key, params), next: t(`${key}.next`, params),
      action: error.wantsSignIn ? "signin" : "retry",
      requestId: null, retryAfterS: null, code: `sso_${error.code}`,
    };
  }
  if (!(error instanceof ApiError)) {
    return { title: t("error.server.title"), next: t("error.server.next"), action: "retry",
             requestId: null, retryAfterS: null, code: "client_error" };
  }
  const base = { requestId: error.requestId, retryAfterS: error.retryAfterS, code: error.code };
  const pick = (name, action, params) => ({
    ...base, title: t(`error.${name}.title`), next: t(`error.${name}.next`, params), action,
  });
  switch (error.code) {
    case "network":
      return pick("network", "retry");
    case "timeout":
      return pick("timeout", "retry");
    case "message_not_found":
      return pick("gone", "reopen");
    case "invalid_item_id":
      return pick("badItem", "reopen");
    case "rate_limited": // our own per-user limit, not Microsoft 365's throttling
      return pick("rateLimited", "retry", { seconds: error.retryAfterS || 5 });
    case "consent_required":
      return pick("consent", "signin");
    case "admin_consent_required":
    case "admin_required":
      return pick("forbidden", null);
    default:
      break;
  }
  if (error.status === 401) {
    return pick("signedOut", "signin");
  }
  if (error.status === 404 || error.status === 405) {
    return pick("unavailable", "retry"); // a route this server does not have (yet)
  }
  if ([429, 502, 503, 504].includes(error.status)) {
    return pick("busy", "retry", { seconds: error.retryAfterS || 5 });
  }
  if (error.status === 403) {
    return pick("forbidden", null);
  }
  if (error.status >= 400 && error.status < 500) {
    return { ...pick("invalid", "retry"), title: t("error.invalid.title"),
             next: error.message || t("error.invalid.next") };
  }
  return pick("server", "retry");
}

/** A one-line reason for a status line ("Microsoft 365 is busy"). */
export function shortReason(error) {
  return describeError(error).title;
}
