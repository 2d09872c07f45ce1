/**
 * Reaching a colleague that recall cannot reach: a call (directory phone) or a Teams chat with a
 * prefilled draft (the text is a draft, not sent: Teams deep-link-workflow).
 */

import { t } from "../strings.js";
import { stripBidiControls } from "../text.js";
import { h, icon, untrusted } from "./dom.js";

const TEAMS_CHAT = "https://teams.microsoft.com/l/chat/0/0";

/** `tel:` URI of a directory phone number ("+1 425 555 0100" → "tel:+14255550100"). */
export function telHref(phone) {
  const digits = String(phone || "").replace(/[^\d+]/g, "").replace(/(?!^)\+/g, "");
  return digits.replace(/\+/g, "").length >= 3 ? `tel:${digits}` : null;
}

/** The Teams deep link that opens a chat with `upn` and `message` in the compose box. */
export function teamsChatHref(upn, message) {
  const query = new URLSearchParams({ users: upn, message });
  return `${TEAMS_CHAT}?${query.toString().replace(/\+/g, "%20")}`;
}

function displayName(recipient) {
  // Labels and the chat draft are plain text: no bidi control of a name or subject in them.
  return stripBidiControls(recipient.contact?.displayName || recipient.name || recipient.address);
}

function firstName(recipient) {
  return displayName(recipient).split(/\s+/)[0];
}

/** Call and chat links for one recipient (`recipient.contact` is the directory's entry). */
export function contactLinks(recipient, subject) {
  const name = displayName(recipient);
  const phone = stripBidiControls(recipient.contact?.businessPhone);
  const tel = telHref(phone);
  const chat = teamsChatHref(recipient.address, t("contact.chatMessage", {
    name: firstName(recipient), subject: stripBidiControls(subject) }));
  return h("div", { class: "contact-links" },
    tel
      ? h("a", { class: "link-button", href: tel, "aria-label": `${t("contact.call", { name })}: ${phone}` },
        icon("phone"), untrusted(phone))
      : h("span", { class: "muted small", text: t("contact.noPhone") }),
    h("a", { class: "link-button", href: chat, target: "_blank", rel: "noopener noreferrer",
             "aria-label": t("contact.chat", { name }) },
      icon("chat"), h("span", { text: "Teams" })));
}
