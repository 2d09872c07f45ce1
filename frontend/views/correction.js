/**
 * The correction form (template, fields, audience, preview, send) and its result.
 *
 * The form is drawn from a model ({templateId, fields, audience, selected}); the controller
 * keeps the model, so a failed send re-draws the form with everything still filled in.
 */

import { plural, t } from "../strings.js";
import { errorPanel, working } from "./status.js";
import { h, untrusted, withUntrusted } from "./dom.js";

const AUDIENCES = ["unrecallable", "all", "selected"];

/** The template picker and the chosen template's fields. */
export function templateFields(templates, model, handlers, { missing = [] } = {}) {
  if (!templates) {
    return working(t("correction.templateLoading"));
  }
  const chosen = templates.find((tpl) => tpl.id === model.templateId) || templates[0];
  return h("div", { class: "template-fields" },
    h("div", { class: "form-row" },
      h("label", { for: "template-select", text: t("correction.template") }),
      h("select", { id: "template-select", onChange: (e) => handlers.onTemplate(e.target.value) },
        templates.map((tpl) => h("option", { value: tpl.id, selected: tpl.id === chosen?.id,
                                             text: tpl.title }))),
      chosen?.description ? h("p", { class: "hint", text: chosen.description }) : null),
    (chosen?.fields || []).map((field) => fieldInput(field, model.fields[field.name] ?? "",
                                                     handlers, missing.includes(field.name))));
}

function fieldInput(field, value, handlers, isMissing) {
  const id = `field-${field.name}`;
  const hintId = `${id}-hint`;
  const control = h(field.multiline ? "textarea" : "input", {
    id, name: field.name, value,
    type: field.multiline ? null : "text",
    rows: field.multiline ? "4" : null,
    maxlength: field.maxLength || null,
    required: field.required ? true : null,
    "aria-required": field.required ? "true" : null,
    "aria-invalid": isMissing ? "true" : null,
    "aria-describedby": field.maxLength ? hintId : null,
    onInput: (e) => handlers.onField(field.name, e.target.value),
  });
  return h("div", { class: ["form-row", isMissing && "invalid"] },
    h("label", { for: id },
      field.label,
      field.required ? h("span", { class: "required", text: ` (${t("correction.required")})` }) : null),
    control,
    field.maxLength
      ? h("p", { class: "hint", id: hintId,
                 text: t("correction.chars", { max: field.maxLength }) })
      : null);
}

/**
 * Who gets it: those not reached, everyone, or chosen people. When nobody is left unreached
 * (`unreached` 0) that choice is off and a hint says why: the default is then everyone.
 * `people[].status` (optional) is a short word beside each name, e.g. the recall's outcome.
 */
export function audienceChooser(model, people, handlers, { unreached = null, afterRecall = false } = {}) {
  const nobodyLeft = unreached === 0;
  const radios = AUDIENCES.map((audience) => {
    const id = `audience-${audience}`;
    const off = nobodyLeft && audience === "unrecallable";
    return h("div", { class: "radio-row" },
      h("input", { type: "radio", name: "audience", id, value: audience,
                   checked: model.audience === audience, disabled: off,
                   "aria-describedby": off ? "audience-hint" : null,
                   onChange: () => handlers.onAudience(audience) }),
      h("label", { for: id, text: t(afterRecall && audience === "unrecallable"
        ? "correction.audience.notReached" : `correction.audience.${audience}`) }));
  });
  const hint = nobodyLeft
    ? h("p", { class: "hint", id: "audience-hint", text: t("correction.everyoneReached") }) : null;
  const chooser = model.audience === "selected"
    ? h("fieldset", { class: "people-picker" },
      h("legend", { text: t("correction.choose") }),
      people.map((person) => {
        const id = `pick-${person.address}`;
        return h("div", { class: "check-row" },
          h("input", { type: "checkbox", id, value: person.address,
                       checked: model.selected.includes(person.address),
                       onChange: (e) => handlers.onSelect(person.address, e.target.checked) }),
          h("label", { for: id },
            h("span", {}, untrusted(person.name || person.address)),
            h("span", { class: "muted small",
                        text: ` ${person.status || t(`recipient.verdict.${person.verdict}`)}` })));
      }))
    : null;
  return h("fieldset", { class: "audience" },
    h("legend", { text: t("correction.audienceLegend") }), radios, hint, chooser);
}

/**
 * The preview box: {state: "empty"|"loading"|"ready"|"error", value, error}.
 * The body is the API's plain-text rendering, shown as text (never as HTML).
 */
export function previewBox(preview, handlers = {}) {
  const children = [];
  if (preview.state === "loading" && !preview.value) {
    children.push(working(t("correction.previewLoading")));
  } else if (preview.state === "error") {
    children.push(errorPanel(preview.error, { onRetry: handlers.onRetry }, { compact: true }));
  } else if (!preview.value) {
    const why = preview.reason === "people" ? "correction.previewNoPeople"
      : preview.reason === "fields" ? "correction.previewEmpty" : "correction.previewLoading";
    children.push(h("p", { class: "muted", text: t(why) }));
  }
  if (preview.value && preview.state !== "error") {
    const { subject, text, recipients } = preview.value;
    const everyone = [...(recipients?.to || []), ...(recipients?.cc || []),
                      ...(recipients?.bcc || [])];
    const names = everyone.map((r) => r.name || r.address);
    children.push(
      h("p", { class: "preview-line" }, names.length
        ? withUntrusted((p) => t("correction.previewTo", p), { people: names })
        : t("correction.previewTo", { people: t("correction.previewNobody") })),
      h("p", { class: "preview-line" },
        withUntrusted((p) => t("correction.previewSubject", p), { subject })),
      h("div", { class: "preview-body" }, untrusted(text)));
  }
  return h("section", { class: ["preview", preview.state === "loading" && "stale"],
                        "aria-labelledby": "preview-title", "aria-busy": preview.state === "loading" ? "true" : "false" },
    h("h3", { id: "preview-title", text: t("correction.preview") }), children);
}

/**
 * The full form.
 * @param {{templateId, fields, audience, selected}} model
 * @param {{templates, people, preview, sending, error, missing}} data
 */
export function correctionForm(model, data, handlers) {
  // Templates that did not load: the error (with its Try again) stands where they would be,
  // and nothing beside it claims to be loading.
  const templatesFailed = !data.templates && Boolean(data.error);
  const errorBox = data.error
    ? errorPanel(data.error, { onRetry: handlers.onSend, onSignIn: handlers.onSend },
                 { compact: true })
    : null;
  return h("form", { class: "correction-form", "aria-labelledby": "view-title", novalidate: true,
                     onSubmit: (e) => { e.preventDefault(); handlers.onSend(); } },
    h("div", { class: "view-head" },
      h("button", { type: "button", class: "back", onClick: handlers.onCancel,
                    "aria-label": t("app.back"), text: "←" }),
      h("h2", { id: "view-title", tabindex: "-1", text: t("correction.title") })),
    h("div", { class: "form-columns" },
      h("div", { class: "form-main" },
        templatesFailed ? errorBox
          : templateFields(data.templates, model, handlers, { missing: data.missing || [] }),
        data.missing?.length
          ? h("p", { class: "field-error", role: "alert",
                     text: t("correction.missing", { fields: data.missingLabels.join(", ") }) })
          : null,
        audienceChooser(model, data.people, handlers, { unreached: data.unreached, afterRecall: data.afterRecall })),
      templatesFailed ? null
        : h("div", { class: "form-side", id: "preview-slot" },
          previewBox(data.preview, { onRetry: handlers.onRetryPreview }))),
    templatesFailed ? null : errorBox,
    h("div", { class: "actions footer" },
      h("button", { type: "submit", class: "primary", id: "send-correction",
                    disabled: data.sending || !data.templates, text: t("correction.send") }),
      h("button", { type: "button", class: "secondary", onClick: handlers.onCancel,
                    text: t("recall.cancel") })),
    data.sending ? working(t("correction.sending")) : null);
}

/** After a successful send. */
export function correctionResult(result, handlers) {
  const people = [...(result.recipients?.to || []), ...(result.recipients?.cc || []),
                  ...(result.recipients?.bcc || [])];
  return h("section", { class: "result", "aria-labelledby": "view-title" },
    h("div", { class: "card success" },
      h("h2", { id: "view-title", tabindex: "-1", text: t("correction.sentTitle") }),
      h("p", { text: plural("correction.sentTo", people.length) }),
      h("ul", { class: "plain-list", "data-testid": "correction-recipients" },
        people.map((p) => h("li", {}, p.name
          ? [untrusted(p.name), " <", untrusted(p.address), ">"] : untrusted(p.address))))),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "primary", "data-back": "", onClick: handlers.onDone,
                    text: t("correction.done") })));
}
