/**
 * The verdict: the headline, then the recipients grouped by what recall will do to their copy.
 */

import { ago, chipLabel, headline, plural, reasonText, t } from "../strings.js";
import { contactLinks } from "./contact.js";
import { h, icon, untrusted, withUntrusted } from "./dom.js";
import { stripBidiControls } from "../text.js";

const VERDICT_ICON = {
  recallable: "check", partly_recallable: "warn", not_recallable: "cross", unknown: "question",
};
// Reasons shown by the "via" line rather than as text.
const VIA_CODES = new Set(["via_group", "via_nested_group"]);

/** Recipients in the sections the pane shows, in the order it shows them. */
export function groupRecipients(recipients) {
  const people = recipients.filter((r) => r.counted);
  return {
    likely: people.filter((r) => r.verdict === "likely"),
    unknown: people.filter((r) => r.verdict === "unknown"),
    keep: people.filter((r) => r.verdict === "unlikely" || r.verdict === "impossible"),
    groups: recipients.filter((r) => !r.counted && r.kind === "internal_group"),
    you: recipients.filter((r) => !r.counted && r.kind !== "internal_group"),
  };
}

function chips(reasons) {
  const labels = [...new Set(reasons.map((r) => chipLabel(r.code)).filter(Boolean))];
  if (!labels.length) {
    return null;
  }
  return h("ul", { class: "chips" },
    labels.map((label) => h("li", { class: "chip", text: label })));
}

/** One recipient: name, field, address, via, reason chips and text, contact links. */
export function recipientItem(recipient, subject) {
  const name = recipient.name || recipient.contact?.displayName || recipient.address;
  // Reason texts may quote names or addresses: no bidi control of theirs reorders the line.
  const texts = recipient.reasons.filter((r) => !VIA_CODES.has(r.code))
    .map((r) => stripBidiControls(reasonText(r)));
  return h("li", { class: ["person", `verdict-${recipient.verdict}`],
                   "data-address": recipient.address },
    h("div", { class: "person-head" },
      h("span", { class: "person-name" }, untrusted(name)),
      h("span", { class: "field-tag", text: t(`field.${recipient.field}`) })),
    name !== recipient.address ? h("div", { class: "person-address" }, untrusted(recipient.address))
      : null,
    recipient.via ? h("div", { class: "person-via" }, withUntrusted((p) => t("recipient.via", p), {
      group: [recipient.via, ...(recipient.viaPath || [])].join(" › ") })) : null,
    h("span", { class: "sr-only", text: t(`recipient.verdict.${recipient.verdict}`) }),
    chips(recipient.reasons),
    texts.map((text) => h("p", { class: "reason", text })),
    recipient.suggestion === "contact" ? contactLinks(recipient, subject) : null);
}

function section(id, title, people, subject, extraClass) {
  if (!people.length) {
    return null;
  }
  const headingId = `group-${id}`;
  return h("section", { class: ["recipient-group", extraClass], "aria-labelledby": headingId },
    h("h3", { id: headingId },
      h("span", { text: title }),
      h("span", { class: "count", text: plural("group.count", people.length) })),
    h("ul", { class: "people" }, people.map((r) => recipientItem(r, subject))));
}

/** The headline card. */
export function headlineCard(result) {
  const { summary, message } = result;
  return h("section", { class: ["card", "headline", `summary-${summary.verdict}`],
                        "aria-labelledby": "view-title" },
    h("div", { class: "headline-top" },
      h("span", { class: "verdict-badge" }, icon(VERDICT_ICON[summary.verdict] || "info")),
      h("h2", { id: "view-title", tabindex: "-1", text: t(`verdict.${summary.verdict}`) })),
    h("p", { class: "headline-text", "data-testid": "headline", text: headline(summary) }),
    summary.total
      ? h("p", { class: "headline-count", text: t("verdict.count", summary) })
      : null,
    h("p", { class: "message-meta" },
      h("span", { class: "message-subject" }, untrusted(message.subject)),
      message.sentDateTime ? h("span", { text: ` · ${t("verdict.sentAt", { when: ago(message.sentDateTime) })}` })
        : null));
}

/**
 * The whole verdict view.
 * @param {object} result POST /api/eligibility's answer
 * @param {{onRecall: Function, onCorrect: Function}} handlers
 * @param {{banner?: Node, recalled?: boolean}} extra a note above the actions (e.g. a recall
 *   already under way); `recalled` makes no button here the main one
 */
export function verdictView(result, handlers, extra = {}) {
  const { summary, message } = result;
  const groups = groupRecipients(result.recipients);
  const canRecall = summary.verdict !== "not_recallable" && summary.total > 0;
  const canCorrect = summary.total > 0;
  // Already recalled: following that recall (extra.banner) is the main action, not this.
  const recalled = Boolean(extra.recalled);
  const recallButton = canRecall
    ? h("button", { type: "button", class: recalled ? "secondary" : "primary", id: "recall-button",
                    onClick: handlers.onRecall, text: t("verdict.recall") })
    : null;
  const correctButton = canCorrect
    ? h("button", { type: "button", class: canRecall || recalled ? "secondary" : "primary",
                    id: "correct-button",
                    onClick: handlers.onCorrect, text: t("verdict.correct") })
    : null;
  const notes = summary.notes || [];
  return h("div", { class: "verdict-view" },
    h("div", { class: "verdict-top" },
      headlineCard(result),
      h("div", { class: "verdict-actions" },
        extra.banner || null,
        recallButton || correctButton
          ? h("div", { class: "actions" }, recallButton, correctButton) : null)),
    h("div", { class: "recipient-groups", "aria-label": t("verdict.recipients"), role: "group" },
      section("likely", t("group.likely"), groups.likely, message.subject, "tone-good"),
      section("unknown", t("group.unknown"), groups.unknown, message.subject, "tone-unknown"),
      section("keep", t("group.keep"), groups.keep, message.subject, "tone-bad"),
      section("groups", t("group.groups"), groups.groups, message.subject, "tone-neutral"),
      section("you", t("group.you"), groups.you, message.subject, "tone-neutral")),
    notes.length
      ? h("details", { class: "notes" },
        h("summary", { text: t("verdict.notes") }),
        h("ul", {}, notes.map((n) => h("li", { text: stripBidiControls(reasonText(n)) }))))
      : null);
}
