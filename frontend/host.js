/**
 * Every call the pane makes into Office.js, in one small module.
 *
 * In Outlook `Office` is Microsoft's office.js; in the sandbox demo it is the shim in
 * frontend/demo/office-shim.js. Nothing else in the pane touches `Office` directly.
 */

const NOTIFICATION_ICON = "RecallAssistant.Icon16"; // a bt:Image id of the XML manifest
const MAX_NOTIFICATION = 150; // characters Outlook shows (Mailbox 1.3)
const MAX_KEY = 32;

function office() {
  if (typeof Office === "undefined") {
    throw new Error("office.js did not load");
  }
  return Office; // eslint-disable-line no-undef
}

/** Resolve once Office.js is ready: `{host, platform}`. */
export function ready() {
  return new Promise((resolve, reject) => {
    try {
      office().onReady((info) => resolve(info || {}));
    } catch (error) {
      reject(error);
    }
  });
}

/** Office's UI language, e.g. "en-US" or "de-DE". */
export function displayLanguage() {
  try {
    return office().context.displayLanguage || "en-US";
  } catch {
    return "en-US";
  }
}

function mailbox() {
  return office().context && office().context.mailbox;
}

/**
 * The open item as the API names it, or a reason why there is none.
 * `internetMessageId` (null when Outlook gives none) lets the pane find earlier recalls without
 * the server reading the message again.
 * @returns {{kind: "message", itemId: string, idType: "rest"|"ews", subject: string,
 *            internetMessageId: string|null} | {kind: "none"|"compose"|"other"}}
 */
export function currentItem() {
  const box = mailbox();
  const item = box && box.item;
  if (!item) {
    return { kind: "none" };
  }
  const messageType = office().MailboxEnums?.ItemType?.Message ?? "message";
  if (item.itemType !== messageType) {
    return { kind: "other" };
  }
  if (!item.itemId) {
    return { kind: "compose" }; // compose mode has no id until the draft is saved
  }
  const subject = typeof item.subject === "string" ? item.subject : "";
  const internetMessageId = typeof item.internetMessageId === "string" && item.internetMessageId
    ? item.internetMessageId : null;
  // Converting here saves the backend a Graph round trip (translateExchangeIds).
  if (typeof box.convertToRestId === "function") {
    try {
      const version = office().MailboxEnums?.RestVersion?.v2_0 ?? "v2.0";
      return { kind: "message", itemId: box.convertToRestId(item.itemId, version), idType: "rest",
               subject, internetMessageId };
    } catch {
      // fall through: the backend translates EWS ids itself
    }
  }
  return { kind: "message", itemId: item.itemId, idType: "ews", subject, internetMessageId };
}

/** Call `handler` when the user selects another item while the pane stays open (pinned). */
export function onItemChanged(handler) {
  const box = mailbox();
  const type = office().EventType?.ItemChanged;
  if (box && type && typeof box.addHandlerAsync === "function") {
    box.addHandlerAsync(type, () => handler());
  }
}

/** Whether MSAL's nested app authentication can run here (NestedAppAuth 1.1). */
export function supportsNestedAppAuth() {
  try {
    return Boolean(office().context.requirements.isSetSupported("NestedAppAuth", "1.1"));
  } catch {
    return false;
  }
}

/**
 * Office's single sign-on token for our API. Rejects with Office's error ({code, message}).
 * @param {{authChallenge?: string}} extra
 */
export function officeSsoToken(extra = {}) {
  const options = { allowSignInPrompt: true, allowConsentPrompt: true, forMSGraphAccess: false };
  if (extra.authChallenge) {
    options.authChallenge = extra.authChallenge;
  }
  const auth = office().auth;
  if (!auth || typeof auth.getAccessToken !== "function") {
    return Promise.reject({ code: 13000, message: "getAccessToken is not available" });
  }
  return auth.getAccessToken(options);
}

function callAsync(target, method, ...args) {
  return new Promise((resolve) => {
    target[method](...args, (result) => resolve(result || {}));
  });
}

/**
 * Put a short informational bar on the open message (so the outcome shows without the pane).
 * Never throws: the bar is a convenience, the pane already shows the same.
 */
export async function notify(key, message) {
  try {
    const item = mailbox() && mailbox().item;
    const bars = item && item.notificationMessages;
    if (!bars) {
      return false;
    }
    const text = message.length > MAX_NOTIFICATION
      ? `${message.slice(0, MAX_NOTIFICATION - 1)}…` : message;
    const details = {
      type: office().MailboxEnums?.ItemNotificationMessageType?.InformationalMessage
        ?? "informationalMessage",
      message: text,
      icon: NOTIFICATION_ICON,
      persistent: false,
    };
    const id = key.slice(0, MAX_KEY);
    const added = await callAsync(bars, "addAsync", id, details);
    if (added.status === "failed" && typeof bars.replaceAsync === "function") {
      // The pane was opened before on this message: the key exists, so replace its text.
      const replaced = await callAsync(bars, "replaceAsync", id, details);
      return replaced.status !== "failed";
    }
    return added.status !== "failed";
  } catch {
    return false;
  }
}
