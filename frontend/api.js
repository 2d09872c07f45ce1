/**
 * Our backend's HTTP API (docs/api.md), as the pane uses it.
 *
 * Every call carries the API token; a 401 gets one retry with a fresh token, a 403
 * `consent_required` one retry with the claims challenge (`details.claims`) handed to the
 * sign-in. Failures become ApiError with the API's stable `code`. Every call says the pane's
 * language (`Accept-Language`): reason texts and templates come back in it.
 */

import { language } from "./strings.js";

const TIMEOUT_MS = 30000;

/** An answer other than 2xx, or no answer at all (`code` "network" / "timeout"). */
export class ApiError extends Error {
  constructor({ status = 0, code, message = "", details = null, requestId = null,
                retryAfterS = null }) {
    super(message || code);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
    this.retryAfterS = retryAfterS;
  }
}

/** A fresh Idempotency-Key (8–128 of A-Za-z0-9._:-). */
export function newIdempotencyKey() {
  if (crypto.randomUUID) {
    return `pane-${crypto.randomUUID()}`;
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `pane-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body && body.error) || {};
  const retry = Number(response.headers.get("Retry-After"));
  return new ApiError({
    status: response.status,
    code: error.code || `http_${response.status}`,
    message: error.message || response.statusText,
    details: error.details ?? null,
    requestId: error.requestId || response.headers.get("X-Request-ID"),
    retryAfterS: Number.isFinite(retry) && retry > 0 ? retry : null,
  });
}

/**
 * @param {{getToken: (options?: {claims?: string|null, fresh?: boolean}) => Promise<string>,
 *          base?: string}} deps
 */
export function createApi({ getToken, base = "" }) {
  async function send(method, path, { body, key, token, signal }) {
    const headers = { Accept: "application/json", "Accept-Language": language() };
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    if (key) {
      headers["Idempotency-Key"] = key;
    }
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), TIMEOUT_MS);
    const onAbort = () => timeout.abort();
    signal?.addEventListener("abort", onAbort);
    try {
      return await fetch(base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: timeout.signal, credentials: "same-origin",
      });
    } catch {
      if (signal?.aborted) {
        throw new ApiError({ code: "aborted" });
      }
      throw new ApiError({ code: timeout.signal.aborted ? "timeout" : "network" });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * One API call. `consent: false` for calls the user did not ask for (a background check):
   * they never make the sign-in prompt appear; the user's own call does.
   */
  async function call(method, path, { body, key, auth = true, signal, consent = true } = {}) {
    let token = auth ? await getToken() : null;
    let response = await send(method, path, { body, key, token, signal });
    if (auth && response.status === 401) {
      token = await getToken({ fresh: true });
      response = await send(method, path, { body, key, token, signal });
    }
    if (auth && consent && response.status === 403) {
      const error = await errorFrom(response.clone());
      if (error.code === "consent_required") {
        // Entra ID wants consent or another factor: the sign-in shows it, once.
        token = await getToken({ claims: error.details?.claims || null, fresh: true });
        response = await send(method, path, { body, key, token, signal });
      }
    }
    if (!response.ok) {
      throw await errorFrom(response);
    }
    return response.status === 204 ? null : response.json();
  }

  const item = (ref) => ({ itemId: ref.itemId, idType: ref.idType });

  return {
    config: () => call("GET", "/api/config", { auth: false }),
    eligibility: (ref, signal) => call("POST", "/api/eligibility", { body: item(ref), signal }),
    // By the Internet message id when Outlook gave one: the server need not read the message
    // again while the eligibility check, side by side, reads it.
    recallsFor: (ref, signal) => call("GET", `/api/recalls?${ref.internetMessageId
      ? `internetMessageId=${encodeURIComponent(ref.internetMessageId)}`
      : `messageId=${encodeURIComponent(ref.itemId)}&idType=${ref.idType}`}`,
    { signal, consent: false }),
    startRecall: (body, key) => call("POST", "/api/recalls", { body, key }),
    recall: (id, signal) => call("GET", `/api/recalls/${encodeURIComponent(id)}`, { signal }),
    templates: () => call("GET", "/api/templates"),
    previewCorrection: (body, signal) => call("POST", "/api/corrections/preview",
                                              { body, signal }),
    sendCorrection: (body, key) => call("POST", "/api/corrections", { body, key }),
  };
}
