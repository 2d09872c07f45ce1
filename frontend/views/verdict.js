/**
 * The verdict: the headline, then the recipients by what the sender must do about them.
 *
 * First the people recall will not reach, then those we cannot tell about — each grouped by
 * reason, the reason said once above its people — then those recall will reach, one line per
 * reason that opens to the names. Groups the message went to and the sender's own copy last.
 */

import { ago, chipLabel, has, headline, plural, reasonText, t } from "../strings.js";
import { contactLinks } from "./contact.js";
import { h, icon, untrusted, withUntrusted } from "./dom.js";
import { stripBidiControls } from "../text.js";

const VERDICT_ICON = {
  recallable: "check", partly_recallable: "warn", not_recallable: "cross", unknown: "question",
};
// Reasons shown by the "via" line rather than as text.
const VIA_CODES = new Set(["via_group", "via_nested_group"]);
// A group's listing is said by its member count; its other reasons are shown as text.
const GROUP_LISTED = "group_expanded";

/** Recipients in the sections the pane shows, in the order it shows them. */
export function groupRecipients(recipients) {
  const people = recipients.filter((r) => r.counted);
  return {
    keep: people.filter((r) => r.verdict === "unlikely" || r.verdict === "impossible"),
    unknown: people.filter((r) => r.verdict === "unknown"),
    likely: people.filter((r) => r.verdict === "likely"),
    groups: recipients.filter((r) => !r.counted && r.kind === "internal_group"),
    you: recipients.filter((r) => !r.counted && r.kind !== "internal_group"),
  };
}

function ownReasons(recipient) {
  return recipient.reasons.filter((r) => !VIA_CODES.has(r.code));
}

// Reason texts may quote names or addresses: no bidi control of theirs reorders the line.
function reasonTexts(recipient) {
  return ownReasons(recipient).map((r) => stripBidiControls(reasonText(r)));
}

/**
 * People with the same reasons, in order of first appearance: `{codes, people, text}`, where
 * `text` is the reasons' text when it reads the same for all of them (then it is said once).
 */
export function byReason(people) {
  const buckets = new Map();
  for (const person of people) {
    const codes = ownReasons(person).map((r) => r.code);
    const key = codes.join(" ");
    if (!buckets.has(key)) {
      buckets.set(key, { codes, people: [] });
    }
    buckets.get(key).people.push(person);
  }
  return [...buckets.values()].map((bucket) => {
    const texts = bucket.people.map((p) => reasonTexts(p).join(" "));
    return { ...bucket, text: texts.every((x) => x === texts[0]) ? texts[0] : null };
  });
}

function chipLabels(codes) {
  return [...new Set(codes.map(chipLabel).filter(Boolean))];
}

function chips(codes) {
  const labels = chipLabels(codes);
  return labels.length
    ? h("ul", { class: "chips" }, labels.map((label) => h("li", { class: "chip", text: label })))
    : null;
}

function displayName(recipient) {
  return recipient.name || recipient.contact?.displayName || recipient.address;
}

/**
 * One recipient: name, field, address, via; with `own` their reason texts (when their group of
 * reasons does not say them once for all); contact links when recall cannot reach them.
 */
export function recipientItem(recipient, subject, { own = true } = {}) {
  const name = displayName(recipient);
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
    own ? reasonTexts(recipient).map((text) => h("p", { class: "reason", text })) : null,
    recipient.suggestion === "contact" ? contactLinks(recipient, subject) : null);
}

function sectionShell(id, title, count, tone, ...body) {
  const headingId = `group-${id}`;
  return h("section", { class: ["recipient-group", tone], "aria-labelledby": headingId },
    h("h3", { id: headingId },
      h("span", { text: title }),
      h("span", { class: "count", text: count })),
    body);
}

/** People recall will not reach, or that we cannot tell about: each reason said once. */
function reasonSection(id, title, people, subject, tone) {
  if (!people.length) {
    return null;
  }
  const buckets = byReason(people);
  return sectionShell(id, title, plural("group.count", people.length), tone,
    buckets.map((bucket, i) => {
      const headingId = `group-${id}-${i}`;
      const label = chipLabels(bucket.codes).join(" · ");
      return h("div", { class: ["reason-group", `verdict-${bucket.people[0].verdict}`],
                        role: "group", "aria-labelledby": label ? headingId : null },
        label ? h("h4", { id: headingId },
          h("span", { class: "chip", text: label }),
          // One reason for the whole section: its count is the section's.
          buckets.length > 1
            ? h("span", { class: "count", text: plural("group.count", bucket.people.length) })
            : null)
          : null,
        bucket.text ? h("p", { class: "reason", text: bucket.text }) : null,
        h("ul", { class: "people" },
          bucket.people.map((r) => recipientItem(r, subject, { own: !bucket.text }))));
    }));
}

/** The line that sums up people recall will reach for the same reason ("7 colleagues…"). */
export function reachLine(bucket) {
  const count = bucket.people.length;
  const code = bucket.codes.length === 1 ? bucket.codes[0] : null;
  if (code && has(`reach.${code}.one`)) {
    return plural(`reach.${code}`, count);
  }
  return plural("reach.other", count, { what: chipLabels(bucket.codes).join(" · ") || "—" });
}

/** People recall will reach: one line per reason, opening to their names. */
function reachSection(people, subject) {
  if (!people.length) {
    return null;
  }
  return sectionShell("likely", t("group.likely"), plural("group.count", people.length),
    "tone-good",
    byReason(people).map((bucket) => h("details", { class: "reach-line verdict-likely" },
      h("summary", { text: reachLine(bucket) }),
      h("ul", { class: "people" },
        bucket.people.map((r) => recipientItem(r, subject, { own: false }))))));
}

/** "5 people · includes Sales EMEA" for a group's own entry. */
export function membersLine(group) {
  const members = group.members;
  if (!members || !members.count) {
    return null;
  }
  const count = plural("group.members", members.count);
  const nested = members.nestedGroups || [];
  return h("div", { class: "person-members" }, count,
    nested.length
      ? [" · ", withUntrusted((p) => t("group.includes", p), { groups: nested })]
      : null);
}

function groupItem(group) {
  const texts = group.reasons.filter((r) => r.code !== GROUP_LISTED)
    .map((r) => stripBidiControls(reasonText(r)));
  const name = displayName(group);
  return h("li", { class: ["person", "group-entry", `verdict-${group.verdict}`],
                   "data-address": group.address },
    h("div", { class: "person-head" },
      h("span", { class: "person-name" }, untrusted(name)),
      h("span", { class: "field-tag", text: t(`field.${group.field}`) })),
    name !== group.address ? h("div", { class: "person-address" }, untrusted(group.address)) : null,
    membersLine(group),
    texts.map((text) => h("p", { class: "reason", text })));
}

function groupsSection(groups) {
  if (!groups.length) {
    return null;
  }
  return sectionShell("groups", t("group.groups"), plural("group.groupCount", groups.length),
    "tone-neutral", h("ul", { class: "people" }, groups.map(groupItem)));
}

function youSection(people, subject) {
  if (!people.length) {
    return null;
  }
  return sectionShell("you", t("group.you"), "", "tone-neutral",
    h("ul", { class: "people" }, people.map((r) => recipientItem(r, subject))));
}

/** The headline card: the verdict, one sentence with the counts, the message. */
export function headlineCard(result) {
  const { summary, message } = result;
  return h("section", { class: ["card", "headline", `summary-${summary.verdict}`],
                        "aria-labelledby": "view-title" },
    h("div", { class: "headline-top" },
      h("span", { class: "verdict-badge" }, icon(VERDICT_ICON[summary.verdict] || "info")),
      h("h2", { id: "view-title", tabindex: "-1", text: t(`verdict.${summary.verdict}`) })),
    h("p", { class: "headline-text", "data-testid": "headline",
             text: headline(summary, result.recipients) }),
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
      reasonSection("keep", t("group.keep"), groups.keep, message.subject, "tone-bad"),
      reasonSection("unknown", t("group.unknown"), groups.unknown, message.subject, "tone-unknown"),
      reachSection(groups.likely, message.subject),
      groupsSection(groups.groups),
      youSection(groups.you, message.subject)),
    notes.length
      ? h("details", { class: "notes" },
        h("summary", { text: t("verdict.notes") }),
        h("ul", {}, notes.map((n) => h("li", { text: stripBidiControls(reasonText(n)) }))))
      : null);
}
