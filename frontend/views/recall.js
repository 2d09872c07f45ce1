/**
 * Recall: the confirmation (delete, or delete and replace), then live per-recipient progress.
 */

import { plural, reasonText, t } from "../strings.js";
import { contactLinks } from "./contact.js";
import { audienceChooser, previewBox, templateFields } from "./correction.js";
import { h, icon, untrusted, withUntrusted } from "./dom.js";
import { stripBidiControls } from "../text.js";
import { errorPanel, working } from "./status.js";

const STATUS_ICON = { pending: "clock", succeeded: "check", failed: "cross", no_report: "question" };
const SUMMARY_PARTS = [["succeeded", "succeeded"], ["failed", "failed"], ["noReport", "noReport"],
                       ["pending", "pending"]];

/**
 * @param {{summary, mode: "delete"|"replace", correction: model, templates, missing, submitting,
 *          error}} data
 */
export function confirmRecall(data, handlers) {
  const { summary } = data;
  const mode = (value, label, hint) => {
    const id = `recall-mode-${value}`;
    return h("div", { class: "radio-row" },
      h("input", { type: "radio", name: "recall-mode", id, value, checked: data.mode === value,
                   "aria-describedby": `${id}-hint`, onChange: () => handlers.onMode(value) }),
      h("div", { class: "radio-text" },
        h("label", { for: id, text: label }),
        h("span", { class: "hint", id: `${id}-hint`, text: hint })));
  };
  return h("form", { class: "confirm-recall", "aria-labelledby": "view-title", novalidate: true,
                     onSubmit: (e) => { e.preventDefault(); handlers.onConfirm(); } },
    h("div", { class: "view-head" },
      h("button", { type: "button", class: "back", onClick: handlers.onCancel,
                    "aria-label": t("app.back"), text: "←" }),
      h("h2", { id: "view-title", tabindex: "-1", text: t("recall.title") })),
    h("div", { class: "card" },
      h("p", { text: plural("recall.reach", summary.recallable, { total: summary.total }) }),
      h("p", { class: "muted", text: t("recall.explain") })),
    h("fieldset", { class: "recall-mode" },
      h("legend", { text: t("recall.modeLegend") }),
      mode("delete", t("recall.modeDelete"), t("recall.modeDeleteHint")),
      mode("replace", t("recall.modeReplace"), t("recall.modeReplaceHint"))),
    // Delete and replace: the same composer as the correction (template, fields, who gets
    // it, live preview), so that what is sent after the recall is seen before it.
    data.mode === "replace"
      ? h("div", { class: "replace-fields form-columns" },
        h("div", { class: "form-main" },
          data.templatesError && !data.templates
            ? errorPanel(data.templatesError, { onRetry: handlers.onReloadTemplates }, { compact: true })
            : templateFields(data.templates, data.correction, handlers, { missing: data.missing || [] }),
          data.missing?.length
            ? h("p", { class: "field-error", role: "alert",
                       text: t("correction.missing", { fields: data.missingLabels.join(", ") }) })
            : null,
          data.templates ? audienceChooser(data.correction, data.people || [], handlers,
                                           { unreached: data.unreached }) : null),
        data.templates
          ? h("div", { class: "form-side", id: "preview-slot" }, previewBox(data.preview, { onRetry: handlers.onRetryPreview }))
          : null)
      : null,
    data.error ? errorPanel(data.error, { onRetry: handlers.onConfirm, onSignIn: handlers.onConfirm },
                            { compact: true }) : null,
    h("div", { class: "actions footer" },
      h("button", { type: "submit", class: "primary danger", id: "confirm-recall",
                    disabled: data.submitting, text: t("recall.confirm") }),
      h("button", { type: "button", class: "secondary", onClick: handlers.onCancel,
                    text: t("recall.cancel") })),
    data.submitting ? working(t("recall.submitting")) : null);
}

/** "2 removed · 1 not removed · 1 waiting": only the counts that are not zero. */
export function summaryText(summary = {}) {
  const parts = SUMMARY_PARTS.filter(([key]) => summary[key] > 0)
    .map(([key, name]) => t(`recall.part.${name}`, { count: summary[key] }));
  return parts.length ? parts.join(" · ") : t("recall.summaryNone");
}

/** Whether a person's copy is known (or feared) to be still there: they need help. */
export function notReached(person) {
  return person.status === "failed" || person.status === "no_report"
    || (person.status === "pending" && Boolean(person.mayNeverConfirm));
}

function recallRow(person, subject) {
  const status = person.status || "pending";
  const unsure = status === "pending" && person.mayNeverConfirm;
  const reason = person.reason ? stripBidiControls(reasonText(person.reason))
    : unsure ? t("recall.mayNeverConfirmReason") : null;
  return h("li", { class: ["progress-row", `status-${status}`, unsure && "may-never-confirm"],
                   "data-address": person.address, "data-status": status,
                   "data-may-never-confirm": unsure ? "true" : null },
    h("span", { class: "status-icon" }, icon(unsure ? "warn" : STATUS_ICON[status] || "clock")),
    h("div", { class: "progress-main" },
      h("div", { class: "person-head" },
        h("span", { class: "person-name" }, untrusted(person.name || person.address)),
        h("span", { class: "status-text",
                    text: t(unsure ? "recall.status.mayNeverConfirm" : `recall.status.${status}`) })),
      person.name && person.name !== person.address
        ? h("div", { class: "person-address" }, untrusted(person.address)) : null,
      reason ? h("p", { class: "reason", text: reason }) : null,
      notReached(person) ? contactLinks(person, subject) : null));
}

/** The "delete and replace" correction (or the latest one sent): sent, failed, or unsure. */
function correctionLine(correction, sentTo, handlers) {
  const status = correction.status;
  let text;
  if (status === "completed" || status === "sent") {
    text = sentTo?.length
      ? withUntrusted((p) => t("recall.correction.completedNames", p), { people: sentTo })
      : Number.isInteger(correction.recipients)
        ? plural("recall.correction.completedTo", correction.recipients)
        : t("recall.correction.completed");
  } else if (status === "failed") {
    text = correction.error?.message
      ? t("recall.correction.failed", { message: correction.error.message })
      : t("recall.correction.failedNoMessage");
  } else if (status === "unknown") {
    text = t("recall.correction.unknown");
  } else {
    text = t("recall.correction.pending");
  }
  const failed = status === "failed" || status === "unknown";
  return h("div", { class: ["card", "correction-line", `correction-${status}`],
                    "data-testid": "correction-line", "data-status": status },
    h("p", {},
      h("span", { class: "status-icon" }, icon(failed ? "warn" : status === "completed" || status === "sent" ? "check" : "clock")),
      h("strong", { text: `${t("recall.correctionLabel")}: ` }),
      h("span", {}, text)),
    failed
      ? h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", id: "correction-retry",
                      onClick: handlers.onCorrectionRetry, text: t("recall.correction.retry") }))
      : null);
}

/**
 * @param {object} recall GET /api/recalls/<id>
 * @param {{pollError: {reason, seconds}|null, checking: boolean, subject: string,
 *          already: boolean, retrying: boolean, retryError: object|null,
 *          retried: number|null, sentTo: string[]|null}} state
 */
export function recallProgress(recall, state, handlers) {
  const summary = recall.summary || {};
  const settled = Boolean(recall.settled);
  const unknown = recall.status === "unknown";
  const title = unknown ? t("recall.unknownTitle")
    : settled ? t("recall.settledTitle") : t("recall.progressTitle");
  const people = recall.recipients || [];
  const missed = Number.isInteger(recall.notReached) ? recall.notReached
    : people.filter(notReached).length;
  const retryable = Number.isInteger(recall.retryable) ? recall.retryable : 0;
  const correction = recall.correction || null;
  // Once a correction went out, sending another is a choice, not the next step.
  const corrected = correction && (correction.status === "completed" || correction.status === "sent");
  const waitUntil = !settled && recall.waitUntil ? new Date(recall.waitUntil) : null;
  return h("section", { class: "recall-progress", "aria-labelledby": "view-title",
                        "data-settled": settled ? "true" : "false" },
    h("div", { class: "view-head" },
      h("button", { type: "button", class: "back", onClick: handlers.onBack,
                    "aria-label": t("app.back"), text: "←" }),
      h("h2", { id: "view-title", tabindex: "-1", text: title })),
    state.already ? h("p", { class: "banner", role: "note", "data-testid": "already-recalled",
                             text: t("recall.already") }) : null,
    h("div", { class: ["card", settled ? "settled" : "running"] },
      h("p", { class: "progress-summary", "data-testid": "recall-summary",
               text: summaryText(summary) }),
      h("div", { class: "meter", "aria-hidden": "true" },
        [["succeeded", "succeeded"], ["failed", "failed"], ["noReport", "no_report"],
         ["pending", "pending"]].map(([k, cls]) => h("span", {
          class: `meter-${cls}`, style: `flex-grow:${summary[k] || 0}` }))),
      unknown ? h("p", { text: t("recall.unknownBody") })
        : settled ? null : h("p", { class: "muted", text: t("recall.waiting") }),
      !unknown && recall.statusMessage ? h("p", { class: "muted", text: recall.statusMessage }) : null,
      waitUntil && !Number.isNaN(waitUntil.getTime())
        ? h("p", { class: "muted small", text: t("recall.waitUntil", {
          when: waitUntil.toLocaleString(document.documentElement.lang || undefined,
                                         { dateStyle: "medium", timeStyle: "short" }) }) })
        : null,
      state.checking && !settled ? working(t("recall.checking")) : null,
      state.pollError
        ? h("div", { class: "poll-error" },
          h("p", { text: t("recall.pollError", state.pollError) }),
          h("button", { type: "button", class: "secondary", onClick: handlers.onCheckNow,
                        text: t("recall.checkNow") }))
        : null),
    correction ? correctionLine(correction, state.sentTo, handlers) : null,
    h("ul", { class: "progress-list", "aria-label": t("verdict.recipients") },
      people.map((person) => recallRow(person, state.subject))),
    state.retried ? h("p", { class: "muted", role: "status",
                             text: plural("recall.retried", state.retried) }) : null,
    state.retryError ? errorPanel(state.retryError, { onRetry: handlers.onRetry }, { compact: true })
      : null,
    h("div", { class: "actions footer" },
      // The correction is offered as soon as anyone is known (or feared) not reached.
      missed > 0
        ? h("button", { type: "button", class: corrected ? "secondary" : "primary",
                        id: "correct-unreached", onClick: handlers.onCorrect,
                        text: plural("recall.correctAfter", missed) })
        : null,
      // Asking again is never the default: only once settled, and only for copies that may
      // still be there.
      settled && retryable > 0
        ? h("button", { type: "button", class: "secondary", id: "retry-recall",
                        disabled: state.retrying, "aria-describedby": "retry-hint",
                        onClick: handlers.onRetry, text: plural("recall.retry", retryable) })
        : null,
      h("button", { type: "button", class: "secondary", id: "check-again",
                    onClick: handlers.onCheckAgain, text: t("verdict.refresh") })),
    settled && retryable > 0
      ? h("p", { class: "hint", id: "retry-hint", text: t("recall.retryHint") }) : null,
    state.retrying ? working(t("recall.retrying")) : null);
}
