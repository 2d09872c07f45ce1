/**
 * The pane's token for our API.
 *
 * Where Outlook supports Nested App Authentication (NestedAppAuth 1.1) MSAL.js's nestable
 * client gets it through the host; elsewhere Office's own single sign-on
 * (`Office.auth.getAccessToken`). Both failures become a SignInError carrying the code that
 * strings.js explains ("sso.<code>").
 */

import * as host from "./host.js";

const MSAL_BUNDLE = "/vendor/msal-browser.js";
const REFRESH_MARGIN_S = 300; // get a new token this long before the old one expires
// Office error numbers with their own message in strings.js (troubleshoot-sso-in-office-add-ins).
const KNOWN_SSO_CODES = new Set([13000, 13001, 13002, 13003, 13004, 13005, 13006, 13007, 13008,
  13010, 13012, 13013, 50001]);

// MSAL spells the user's cancel both ways (ClientAuthError and BrowserAuthError).
const NAA_CANCELLED = new Set(["naa:user_canceled", "naa:user_cancelled"]);

/** A sign-in that failed; `code` is Office's number, or "naa:<MSAL error code>". */
export class SignInError extends Error {
  constructor(code, detail = "") {
    super(`sign-in failed: ${code}${detail ? ` (${detail})` : ""}`);
    this.name = "SignInError";
    this.code = code;
    this.detail = detail;
  }

  /** The strings.js key for this failure (the next step is the same key + ".next"). */
  get messageKey() {
    if (typeof this.code === "number" && KNOWN_SSO_CODES.has(this.code)) {
      return `sso.${this.code}`;
    }
    if (NAA_CANCELLED.has(this.code)) {
      return "sso.13002"; // the same words as Office's "user cancelled"
    }
    return String(this.code).startsWith("naa:") ? "sso.naa" : "sso.unknown";
  }

  /** Whether a "Sign in" button (an interactive try) is the right next step. */
  get wantsSignIn() {
    return this.code === 13002 || NAA_CANCELLED.has(this.code);
  }
}

/** Seconds until a JWT expires (0 when it cannot be read). */
function secondsLeft(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(payload));
    return claims.exp - Date.now() / 1000;
  } catch {
    return 0;
  }
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new SignInError("naa:bundle_missing", src));
    document.head.append(script);
  });
}

/**
 * Makes tokens, keeping the last one until shortly before it expires (Office throttles
 * repeated getAccessToken calls with 13013).
 * @param {{loadConfig: () => Promise<{clientId: string, apiScope: string, authority: string}>}} deps
 */
export function createAuth({ loadConfig }) {
  let cached = null;
  let pending = null;
  let naaClient = null;
  let useNaa = null; // decided on first use: Office must be ready first

  async function nestedClient() {
    if (!naaClient) {
      const config = await loadConfig();
      if (!window.msal) {
        await loadScript(MSAL_BUNDLE);
      }
      const pca = await window.msal.createNestablePublicClientApplication({
        auth: { clientId: config.clientId, authority: config.authority },
      });
      naaClient = { pca, scopes: [config.apiScope] };
    }
    return naaClient;
  }

  async function viaNestedAppAuth(claims) {
    const { pca, scopes } = await nestedClient();
    const request = { scopes };
    if (claims) {
      request.claims = claims;
    }
    const account = pca.getActiveAccount() || pca.getAllAccounts()[0];
    if (account) {
      request.account = account;
    }
    try {
      return (await pca.acquireTokenSilent(request)).accessToken;
    } catch (silentError) {
      try {
        // Silent can fail for consent, MFA or an expired session: the host shows its prompt.
        return (await pca.acquireTokenPopup(request)).accessToken;
      } catch (error) {
        throw new SignInError(`naa:${error?.errorCode || error?.name || "failed"}`,
                              error?.message || String(silentError));
      }
    }
  }

  async function viaOffice(claims) {
    try {
      return await host.officeSsoToken(claims ? { authChallenge: claims } : {});
    } catch (error) {
      const code = Number(error?.code);
      throw new SignInError(Number.isFinite(code) ? code : String(error?.code || "unknown"),
                            error?.message || "");
    }
  }

  /**
   * A token for our API.
   * @param {{claims?: string|null, fresh?: boolean}} options claims: the API's challenge
   *   (details.claims of a 403 consent_required); fresh: ignore the kept token.
   */
  function getToken({ claims = null, fresh = false } = {}) {
    if (!fresh && !claims && cached && secondsLeft(cached) > REFRESH_MARGIN_S) {
      return Promise.resolve(cached);
    }
    // One sign-in at a time: a second concurrent getAccessToken fails with 13008.
    if (pending && !claims && !fresh) {
      return pending;
    }
    const before = pending || Promise.resolve();
    const mine = before.catch(() => null).then(() => acquire(claims));
    pending = mine;
    mine.finally(() => {
      if (pending === mine) {
        pending = null;
      }
    }).catch(() => null);
    return mine;
  }

  async function acquire(claims) {
    if (useNaa === null) {
      useNaa = host.supportsNestedAppAuth();
    }
    let token;
    if (useNaa) {
      try {
        token = await viaNestedAppAuth(claims);
      } catch (error) {
        if (error instanceof SignInError && error.wantsSignIn) {
          throw error;
        }
        // The host advertised NAA but it failed outright: Office's own SSO may still work.
        console.warn("Nested app authentication failed; using Office SSO", error);
        useNaa = false;
        token = await viaOffice(claims);
      }
    } else {
      token = await viaOffice(claims);
    }
    cached = token;
    return token;
  }

  return {
    getToken,
    forget() {
      cached = null;
    },
    get method() {
      return useNaa ? "naa" : "office";
    },
  };
}
