/**
 * Recall: the confirmation (delete, or delete and replace), then live per-recipient progress.
 */

import { plural, reasonText, t } from "../strings.js";
import { contactLinks } from "./contact.js";
import { templateFields } from "./correction.js";
import { h, icon } from "./dom.js";
import { errorPanel, working } from "./status.js";

const STATUS_ICON = { pending: "clock", succeeded: "check", failed: "cross" };

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
    data.mode === "replace"
      ? h("div", { class: "replace-fields" },
        data.templatesError && !data.templates
          ? errorPanel(data.templatesError, { onRetry: handlers.onReloadTemplates }, { compact: true })
          : templateFields(data.templates, data.correction, handlers, { missing: data.missing || [] }),
        data.missing?.length
          ? h("p", { class: "field-error", role: "alert",
                     text: t("correction.missing", { fields: data.missingLabels.join(", ") }) })
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

function recallRow(person, subject) {
  const status = person.status || "pending";
  return h("li", { class: ["progress-row", `status-${status}`], "data-address": person.address,
                   "data-status": status },
    h("span", { class: "status-icon" }, icon(STATUS_ICON[status] || "clock")),
    h("div", { class: "progress-main" },
      h("div", { class: "person-head" },
        h("span", { class: "person-name", text: person.name || person.address }),
        h("span", { class: "status-text", text: t(`recall.status.${status}`) })),
      person.name && person.name !== person.address
        ? h("div", { class: "person-address", text: person.address }) : null,
      person.reason ? h("p", { class: "reason", text: reasonText(person.reason) }) : null,
      status === "failed" && person.contact ? contactLinks(person, subject) : null));
}

/**
 * @param {object} recall GET /api/recalls/<id>
 * @param {{pollError: {reason, seconds}|null, checking: boolean, subject: string}} state
 */
export function recallProgress(recall, state, handlers) {
  const summary = recall.summary || { succeeded: 0, failed: 0, pending: 0 };
  const settled = Boolean(recall.settled);
  const unknown = recall.status === "unknown";
  const title = unknown ? t("recall.unknownTitle")
    : settled ? t("recall.settledTitle") : t("recall.progressTitle");
  const notReached = (recall.recipients || []).filter((r) => r.status === "failed").length;
  return h("section", { class: "recall-progress", "aria-labelledby": "view-title",
                        "data-settled": settled ? "true" : "false" },
    h("div", { class: "view-head" },
      h("button", { type: "button", class: "back", onClick: handlers.onBack,
                    "aria-label": t("app.back"), text: "←" }),
      h("h2", { id: "view-title", tabindex: "-1", text: title })),
    h("div", { class: ["card", settled ? "settled" : "running"] },
      h("p", { class: "progress-summary", "data-testid": "recall-summary",
               text: t("recall.summary", summary) }),
      h("div", { class: "meter", "aria-hidden": "true" },
        ["succeeded", "failed", "pending"].map((k) => h("span", {
          class: `meter-${k}`, style: `flex-grow:${summary[k] || 0}` }))),
      unknown ? h("p", { text: t("recall.unknownBody") })
        : settled ? null : h("p", { class: "muted", text: t("recall.waiting") }),
      state.checking && !settled ? working(t("recall.checking")) : null,
      state.pollError
        ? h("div", { class: "poll-error" },
          h("p", { text: t("recall.pollError", state.pollError) }),
          h("button", { type: "button", class: "secondary", onClick: handlers.onCheckNow,
                        text: t("recall.checkNow") }))
        : null),
    recall.correction
      ? h("p", { class: "muted", text: t("recall.correctionStatus", { status: recall.correction.status }) })
      : null,
    h("ul", { class: "progress-list" },
      (recall.recipients || []).map((person) => recallRow(person, state.subject))),
    settled && notReached && !recall.correction
      ? h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", onClick: handlers.onCorrect,
                      text: t("recall.correctAfter") }))
      : null);
}
