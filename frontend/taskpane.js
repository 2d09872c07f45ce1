/**
 * The task pane's controller: which view shows, what each button does, what gets announced.
 *
 * Views (views/*.js) are pure functions of the state kept here; Office calls go through
 * host.js, the API through api.js, the token through auth.js.
 */

import { ApiError, createApi, newIdempotencyKey } from "./api.js";
import { createAuth } from "./auth.js";
import { describeError, shortReason } from "./errors.js";
import * as host from "./host.js";
import { poll } from "./poll.js";
import { headline, pickLanguage, plural, setLanguage, t } from "./strings.js";
import { correctionForm, correctionResult, previewBox } from "./views/correction.js";
import { h } from "./views/dom.js";
import { confirmRecall, notReached, recallProgress, summaryText } from "./views/recall.js";
import { errorPanel, notSent, skeleton } from "./views/status.js";
import { verdictView } from "./views/verdict.js";

const PREVIEW_DELAY_MS = 400;
const NOTIFICATION_KEY = "recallAssistantResult";

let configPromise = null;
const api = createApi({ getToken: (options) => auth.getToken(options) });
const auth = createAuth({
  loadConfig: () => {
    configPromise = configPromise || api.config();
    return configPromise;
  },
});

const main = () => document.getElementById("main");

const state = {
  view: "loading",
  item: null,
  result: null,
  recall: null,
  recallView: freshRecallView(),
  poller: null,
  notified: new Set(),
  templates: null,
  templatesError: null,
  correction: null,
  preview: { state: "empty", value: null, error: null },
  previewTimer: null,
  previewAbort: null,
  correctionAttempt: null,
  correctionSending: false,
  correctionError: null,
  correctionResult: null,
  correctionFrom: "verdict",
  missing: [],
  recallMode: "delete",
  recallAttempt: null,
  recallSubmitting: false,
  recallError: null,
  lastAnnounced: "",
};

/** What the progress view shows beside the recall itself (polling, notes, the retry). */
function freshRecallView() {
  return { pollError: null, checking: false, already: false, retrying: false, retryError: null,
           retried: null, sentTo: null };
}

// --- drawing -------------------------------------------------------------------------------

/** Say something to screen readers (the live region is polite: it waits for a pause). */
function announce(text) {
  const region = document.getElementById("announcer");
  if (!region || !text || text === state.lastAnnounced) {
    return;
  }
  state.lastAnnounced = text;
  region.textContent = "";
  // A new text node after a tick is announced even when the text repeats an older one.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

/**
 * Put a view in the pane. A new view moves focus to its heading; a redraw of the same view
 * keeps focus (and the caret) where it was.
 */
function show(view, node, { focusTitle = true } = {}) {
  const same = state.view === view;
  const active = document.activeElement;
  const activeId = same && active && active.id ? active.id : null;
  const caret = activeId && typeof active.selectionStart === "number"
    ? [active.selectionStart, active.selectionEnd] : null;
  state.view = view;
  const slot = main();
  slot.replaceChildren(node);
  slot.setAttribute("aria-busy", view === "loading" ? "true" : "false");
  document.body.dataset.view = view;
  if (activeId) {
    const again = document.getElementById(activeId);
    if (again) {
      again.focus();
      if (caret && typeof again.setSelectionRange === "function") {
        try {
          again.setSelectionRange(caret[0], caret[1]);
        } catch {
          // not a text control
        }
      }
      return;
    }
  }
  if (focusTitle && !same) {
    document.getElementById("view-title")?.focus();
  }
}

function showError(error, retry) {
  const info = describeError(error);
  // "reopen" (a message not in this mailbox, an id Outlook gave wrongly): the advice is to open
  // the message again in Outlook, which a button here cannot do, and asking again gives the
  // same answer. No "Try again" then.
  show("error", errorPanel(info, {
    onRetry: retry,
    onSignIn: () => {
      auth.forget();
      retry();
    },
  }));
  announce(`${info.title} ${info.next}`);
}

// --- loading the verdict ---------------------------------------------------------------------

async function start() {
  show("loading", skeleton(), { focusTitle: false });
  try {
    await host.ready();
  } catch (error) {
    showError(error, start);
    return;
  }
  setLanguage(pickLanguage(host.displayLanguage()));
  document.title = t("app.title");
  document.getElementById("app-title").textContent = t("app.title");
  host.onItemChanged(() => {
    reset();
    openItem();
  });
  document.addEventListener("keydown", escapeGoesBack);
  openItem();
}

/**
 * Escape goes back one view by pressing that view's own Back button (Done on a sent
 * correction): it does exactly what the button does, and nothing while the button is disabled.
 */
function escapeGoesBack(event) {
  if (event.key !== "Escape" || event.defaultPrevented || event.isComposing) {
    return;
  }
  const back = main().querySelector("button.back, button[data-back]");
  if (back && !back.disabled) {
    event.preventDefault();
    back.click();
  }
}

function reset() {
  state.poller?.stop();
  Object.assign(state, {
    poller: null, result: null, recall: null, correction: null, correctionResult: null,
    correctionAttempt: null, correctionError: null, recallAttempt: null, recallError: null,
    preview: { state: "empty", value: null, error: null }, missing: [], recallMode: "delete",
    recallView: freshRecallView(), correctionFrom: "verdict",
  });
}

function openItem() {
  const item = host.currentItem();
  if (item.kind !== "message") {
    show("notSent", notSent(item.kind));
    announce(t("notSent.title"));
    return;
  }
  state.item = item;
  loadVerdict();
}

/**
 * Check the message (eligibility) and look for a recall of it. A message already recalled
 * opens on that recall's outcome (`openOutcome`); "Check again" asks for the verdict itself.
 */
async function loadVerdict({ openOutcome = true } = {}) {
  show("loading", skeleton(), { focusTitle: false });
  announce(t("app.loading"));
  const started = performance.now();
  try {
    const [result, recalls] = await Promise.all([
      api.eligibility(state.item),
      // An older recall of this message (the route may not exist on an older server).
      api.recallsFor(state.item).catch(() => null),
    ]);
    state.result = result;
    // From now on the REST id the server found: an EWS id would be translated by Graph again
    // on every recall, preview and send.
    if (result?.message?.id) {
      state.item = { ...state.item, itemId: result.message.id, idType: "rest" };
    }
    // The newest recall that went to Exchange (one Graph refused is no recall to follow).
    const latest = (recalls?.recalls || []).find((r) => r.status !== "failed");
    if (latest) {
      state.recall = latest;
    }
    if (openOutcome && state.recall) {
      showProgress();
      announceRecall(state.recall);
      if (!state.recall.settled) {
        followRecall(state.recall.id);
      }
      document.body.dataset.loaded = "recall";
      return;
    }
    // Asked for ("Check again"): focus goes to the verdict's heading.
    showVerdict({ focus: !openOutcome });
    performance.mark("ra:verdict", { detail: { ms: performance.now() - started } });
    document.body.dataset.loaded = "verdict";
  } catch (error) {
    if (error instanceof ApiError && error.code === "not_in_sent_items") {
      show("notSent", notSent("other"));
      announce(t("notSent.title"));
      return;
    }
    showError(error, () => loadVerdict({ openOutcome }));
  }
}

function showVerdict({ focus = false } = {}) {
  // A recalled message: following that recall is the main action, not recalling again.
  const banner = state.recall
    ? h("div", { class: "banner" },
      h("p", { text: t("recall.earlier") }),
      h("button", { type: "button", class: "primary", id: "show-recall", onClick: showProgress,
                    text: t("recall.show") }))
    : null;
  // Right after loading, focus stays put (the live region speaks); coming back from another
  // view, focus goes to the heading so that keyboard users know where they are.
  const firstShow = state.view === "loading" && !focus;
  show("verdict", verdictView(state.result, { onRecall: openRecall, onCorrect: openCorrection },
                              { banner, recalled: Boolean(state.recall) }),
       { focusTitle: !firstShow });
  const summary = state.result.summary;
  announce(`${t(`verdict.${summary.verdict}`)}. ${headline(summary, state.result.recipients)}`);
  if (state.recall && !state.recall.settled && !state.poller) {
    followRecall(state.recall.id);
  }
}

// --- templates and the correction model -----------------------------------------------------

function ensureCorrectionModel() {
  if (!state.correction) {
    state.correction = { templateId: null, fields: {}, audience: "unrecallable", selected: [] };
  }
  return state.correction;
}

/**
 * How many people a correction to "those not reached" would go to: with a recall, its
 * `notReached`; before one, the forecast (everyone recall will probably not reach).
 */
function unreachedCount({ forecast = false } = {}) {
  const recall = forecast ? null : state.recall;
  if (recall) {
    return Number.isInteger(recall.notReached) ? recall.notReached
      : (recall.recipients || []).filter(notReached).length;
  }
  return (state.result?.recipients || []).filter((r) => r.counted && r.verdict !== "likely").length;
}

async function loadTemplates() {
  if (state.templates) {
    return state.templates;
  }
  const answer = await api.templates();
  state.templates = answer.templates || [];
  const model = ensureCorrectionModel();
  if (!model.templateId && state.templates.length) {
    model.templateId = state.templates[0].id;
  }
  return state.templates;
}

function chosenTemplate() {
  const model = ensureCorrectionModel();
  return (state.templates || []).find((tpl) => tpl.id === model.templateId) || null;
}

/** Required fields left empty (names), and their labels for the message. */
function missingFields() {
  const template = chosenTemplate();
  const fields = ensureCorrectionModel().fields;
  const missing = (template?.fields || []).filter((f) => f.required && !String(fields[f.name] || "").trim());
  return { names: missing.map((f) => f.name), labels: missing.map((f) => f.label) };
}

function templateFieldsOnly() {
  const template = chosenTemplate();
  const model = ensureCorrectionModel();
  const names = new Set((template?.fields || []).map((f) => f.name));
  return Object.fromEntries(Object.entries(model.fields).filter(([name]) => names.has(name)));
}

const formHandlers = (redraw, afterChange) => ({
  onTemplate(id) {
    ensureCorrectionModel().templateId = id;
    state.missing = [];
    redraw();
    afterChange();
  },
  onField(name, value) {
    ensureCorrectionModel().fields[name] = value;
    if (state.missing.includes(name) && value.trim()) {
      state.missing = state.missing.filter((n) => n !== name);
    }
    afterChange();
  },
  // A preview that failed says "try again": this is the button that does.
  onRetryPreview: () => refreshPreview(),
});

/** The same attempt keeps its Idempotency-Key; changed content is a new attempt. */
function attemptKey(previous, payload) {
  const body = JSON.stringify(payload);
  if (previous && previous.body === body) {
    return previous;
  }
  return { key: newIdempotencyKey(), body };
}

// --- recall ------------------------------------------------------------------------------------

function openRecall() {
  state.recallError = null;
  state.missing = [];
  // Delete and replace: the correction goes to everyone unless the sender chooses.
  ensureCorrectionModel().audience = "all";
  drawConfirm();
  reloadTemplatesForConfirm();
}

function reloadTemplatesForConfirm() {
  state.templatesError = null;
  loadTemplates().catch((error) => {
    state.templatesError = describeError(error);
  }).finally(() => {
    if (state.view === "confirm") {
      drawConfirm();
      if (state.recallMode === "replace") {
        schedulePreview(0);
      }
    }
  });
}

function drawConfirm() {
  const missing = missingFields();
  show("confirm", confirmRecall({
    summary: state.result.summary, mode: state.recallMode, correction: ensureCorrectionModel(),
    templates: state.templates, templatesError: state.templatesError, missing: state.missing,
    missingLabels: missing.labels.filter((_, i) => state.missing.includes(missing.names[i])),
    submitting: state.recallSubmitting, error: state.recallError,
    people: correctionPeople(), preview: state.preview,
    unreached: unreachedCount({ forecast: true }),
  }, {
    ...formHandlers(drawConfirm, () => schedulePreview()),
    ...audienceHandlers(drawConfirm),
    onMode(mode) {
      state.recallMode = mode;
      drawConfirm();
      if (mode === "replace") {
        schedulePreview(0);
      }
    },
    onConfirm: submitRecall,
    onReloadTemplates: reloadTemplatesForConfirm,
    onCancel: showVerdict,
  }));
}

/** The people we expect in the recall, before its first answer (all waiting). */
function expectedRecall(answer) {
  const people = (state.result?.recipients || []).filter((r) => r.counted).map((r) => ({
    address: r.address, name: r.name, status: "pending", reason: null, source: null,
    // A partner tenant's recall may never be confirmed (the API says so too).
    mayNeverConfirm: (r.reasons || []).some((reason) => reason.code === "cross_tenant_listed"),
    retryable: false,
  }));
  return {
    id: answer.id, status: answer.status, settled: false,
    summary: { succeeded: 0, failed: 0, noReport: 0, pending: people.length },
    notReached: people.filter(notReached).length, retryable: 0,
    recipients: people, correction: answer.correction || null,
  };
}

async function submitRecall() {
  if (state.recallSubmitting) {
    return;
  }
  let replaceWith = null;
  if (state.recallMode === "replace") {
    if (!state.templates) {
      try {
        await loadTemplates();
      } catch (error) {
        state.recallError = describeError(error);
        drawConfirm();
        return;
      }
    }
    const missing = missingFields();
    if (missing.names.length) {
      state.missing = missing.names;
      drawConfirm();
      document.getElementById(`field-${missing.names[0]}`)?.focus();
      return;
    }
    const model = ensureCorrectionModel();
    if (model.audience === "selected" && !model.selected.length) {
      state.recallError = { title: t("correction.previewNoPeople"), next: "", action: null };
      drawConfirm();
      return;
    }
    replaceWith = { templateId: model.templateId, fields: templateFieldsOnly(),
                    audience: model.audience, timeZone: userTimeZone() };
    if (model.audience === "selected") {
      replaceWith.recipients = [...model.selected];
    }
  }
  const payload = { messageId: state.item.itemId, idType: state.item.idType, replaceWith };
  state.recallAttempt = attemptKey(state.recallAttempt, payload);
  state.recallSubmitting = true;
  state.recallError = null;
  drawConfirm();
  announce(t("recall.submitting"));
  try {
    const answer = await api.startRecall(payload, state.recallAttempt.key);
    state.recallAttempt = null;
    state.recallSubmitting = false;
    state.recallView = freshRecallView();
    if (answer.alreadyRecalled) {
      // Recalled before: nothing was asked again; show that recall as it stands.
      state.recallView.already = true;
      state.recall = await api.recall(answer.id).catch(() => null) || state.recall
        || { ...expectedRecall(answer), recipients: [], summary: {}, notReached: 0 };
      showProgress();
      announce(`${t("recall.already")} ${summaryText(state.recall.summary)}`);
      if (!state.recall.settled) {
        followRecall(state.recall.id);
      }
      return;
    }
    state.recall = expectedRecall(answer);
    showProgress();
    followRecall(answer.id);
  } catch (error) {
    state.recallSubmitting = false;
    if (error instanceof ApiError && error.code === "idempotency_conflict") {
      state.recallAttempt = null;
    }
    state.recallError = describeError(error);
    drawConfirm();
    announce(`${state.recallError.title} ${state.recallError.next}`);
  }
}

/** "Try again for N people": a new recall request for the copies that may still be there. */
async function retryRecall() {
  if (state.recallView.retrying || !state.recall) {
    return;
  }
  Object.assign(state.recallView, { retrying: true, retryError: null, retried: null });
  showProgress();
  announce(t("recall.retrying"));
  try {
    const answer = await api.startRecall({
      messageId: state.item.itemId, idType: state.item.idType, replaceWith: null, retry: true,
    }, newIdempotencyKey());
    const people = (state.recall.recipients || []).map((p) => (p.retryable
      ? { ...p, status: "pending", reason: null, source: null, retryable: false } : p));
    const asked = Number.isInteger(answer.retried) ? answer.retried
      : (state.recall.recipients || []).filter((p) => p.retryable).length;
    state.recall = {
      ...state.recall, status: answer.status || "submitted", settled: false, retryable: 0,
      recipients: people, summary: countOutcomes(people),
      notReached: people.filter(notReached).length,
    };
    Object.assign(state.recallView, { retrying: false, retried: asked });
    showProgress();
    announce(plural("recall.retried", asked));
    // The pane keeps following the first recall: its answer merges the new attempt in.
    followRecall(state.recall.id);
  } catch (error) {
    const info = describeError(error);
    const nothing = error instanceof ApiError && error.code === "nothing_to_retry";
    Object.assign(state.recallView, {
      retrying: false,
      retryError: nothing ? { ...info, title: t("error.nothingToRetry"), next: "", action: null }
        : info,
    });
    showProgress();
    announce(`${state.recallView.retryError.title} ${state.recallView.retryError.next}`);
    if (nothing) {
      followRecall(state.recall.id); // read what the recall says now
    }
  }
}

function countOutcomes(people) {
  const count = (status) => people.filter((p) => p.status === status).length;
  return { succeeded: count("succeeded"), failed: count("failed"), noReport: count("no_report"),
           pending: count("pending") };
}

/** The recall's recipients with what the verdict knew (directory phone, display name). */
function progressWithContacts(recall) {
  const known = new Map((state.result?.recipients || []).map((r) => [r.address.toLowerCase(), r]));
  return {
    ...recall,
    recipients: (recall.recipients || []).map((person) => {
      const seen = known.get(String(person.address).toLowerCase());
      return seen
        ? { ...person, contact: person.contact || seen.contact, name: person.name || seen.name }
        : person;
    }),
  };
}

function showProgress() {
  if (!state.recall) {
    return;
  }
  const view = state.recallView;
  const sentTo = view.sentTo && view.sentTo.id === state.recall.correction?.id
    ? view.sentTo.names : null;
  // Opened on the outcome: focus stays put, as for the verdict (the live region speaks).
  const firstShow = state.view === "loading";
  show("progress", recallProgress(progressWithContacts(state.recall), {
    ...view, sentTo, subject: state.result?.message?.subject || "",
  }, {
    onBack: showVerdict,
    onCheckNow: () => state.poller?.now(),
    onCorrect: () => openCorrection(),
    onCorrectionRetry: () => openCorrection({ keepAudience: true }),
    onRetry: retryRecall,
    onCheckAgain: () => loadVerdict({ openOutcome: false }),
  }), { focusTitle: !firstShow });
}

function announceRecall(recall) {
  const summary = summaryText(recall.summary || {});
  announce(recall.settled ? t("recall.announceSettled", { summary })
    : t("recall.announceProgress", { summary }));
}

function followRecall(id) {
  state.poller?.stop();
  Object.assign(state.recallView, { pollError: null, checking: false });
  state.poller = poll(async (signal) => {
    state.recallView.checking = true;
    const recall = await api.recall(id, signal);
    // A correction this pane saw sent stays shown until the status carries one too.
    const known = state.recall?.id === recall.id ? state.recall.correction : null;
    state.recall = { ...recall, correction: recall.correction || known || null };
    Object.assign(state.recallView, { pollError: null, checking: false });
    if (state.view === "progress") {
      showProgress();
    }
    announceRecall(recall);
    if (recall.settled) {
      settleNotification(recall);
      return true;
    }
    return false;
  }, {
    firstMs: 1000,
    maxMs: 15000,
    onError(error, seconds) {
      Object.assign(state.recallView, { checking: false,
                                        pollError: { reason: shortReason(error), seconds } });
      if (state.view === "progress") {
        showProgress();
      }
    },
  });
}

function settleNotification(recall) {
  if (state.notified.has(recall.id)) {
    return;
  }
  state.notified.add(recall.id);
  const s = recall.summary || {};
  const total = (s.succeeded || 0) + (s.failed || 0) + (s.noReport || 0) + (s.pending || 0);
  const missed = Number.isInteger(recall.notReached) ? recall.notReached
    : (s.failed || 0) + (s.noReport || 0);
  const text = missed
    ? t("recall.notification", { succeeded: s.succeeded || 0, failed: missed, total })
    : t("recall.notificationAll", { total });
  host.notify(NOTIFICATION_KEY, text);
}

// --- correction --------------------------------------------------------------------------------

/** The people one can choose, each with the recall's outcome for them when there is one. */
function correctionPeople() {
  const people = (state.result?.recipients || []).filter((r) => r.counted);
  const outcomes = new Map((state.recall?.recipients || [])
    .map((p) => [String(p.address).toLowerCase(), p]));
  return people.map((person) => {
    const outcome = outcomes.get(person.address.toLowerCase());
    if (!outcome) {
      return person;
    }
    const unsure = outcome.status === "pending" && outcome.mayNeverConfirm;
    return { ...person, status: t(unsure ? "recall.status.mayNeverConfirm"
      : `recall.status.${outcome.status}`) };
  });
}

/** The audience radios and the people picker, for both composers. */
function audienceHandlers(redraw) {
  return {
    onAudience(audience) {
      ensureCorrectionModel().audience = audience;
      redraw();
      schedulePreview(0);
    },
    onSelect(address, checked) {
      const model = ensureCorrectionModel();
      model.selected = checked ? [...new Set([...model.selected, address])]
        : model.selected.filter((a) => a !== address);
      schedulePreview();
    },
  };
}

/**
 * The correction composer. Its audience starts at "those not reached", or at everyone when
 * recall reached (or will reach) everyone; `keepAudience` keeps the last choice (sending
 * delete-and-replace's correction again).
 */
function openCorrection({ keepAudience = false } = {}) {
  const model = ensureCorrectionModel();
  if (!keepAudience) {
    model.audience = unreachedCount() === 0 ? "all" : "unrecallable";
  } else if (model.audience === "unrecallable" && unreachedCount() === 0) {
    model.audience = "all";
  }
  state.correctionFrom = state.view === "progress" ? "progress" : "verdict";
  state.correctionError = null;
  state.correctionResult = null;
  state.missing = [];
  drawCorrection();
  loadCorrectionTemplates();
}

function loadCorrectionTemplates() {
  loadTemplates().then(() => {
    if (state.view === "correction") {
      drawCorrection();
      schedulePreview(0);
    }
  }).catch((error) => {
    state.correctionError = describeError(error);
    drawCorrection();
  });
}

/** The user's time zone (IANA): the correction gives the original's time in it. */
function userTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

function correctionPayload() {
  const model = ensureCorrectionModel();
  const payload = {
    messageId: state.item.itemId, idType: state.item.idType, templateId: model.templateId,
    fields: templateFieldsOnly(), audience: model.audience, timeZone: userTimeZone(),
  };
  if (model.audience === "selected") {
    payload.recipients = [...model.selected];
  }
  return payload;
}

function drawCorrection() {
  const missing = missingFields();
  show("correction", correctionForm(ensureCorrectionModel(), {
    templates: state.templates, people: correctionPeople(), preview: state.preview,
    sending: state.correctionSending, error: state.correctionError, missing: state.missing,
    missingLabels: missing.labels.filter((_, i) => state.missing.includes(missing.names[i])),
    unreached: unreachedCount(), afterRecall: Boolean(state.recall),
  }, {
    ...formHandlers(drawCorrection, () => schedulePreview()),
    ...audienceHandlers(drawCorrection),
    onSend: sendCorrection,
    onCancel: backFromCorrection,
  }));
}

function backFromCorrection() {
  if (state.correctionFrom === "progress" && state.recall) {
    showProgress();
  } else {
    showVerdict();
  }
}

/** Whether a composer with a preview is showing (the correction, or delete and replace). */
function composing() {
  return state.view === "correction" || (state.view === "confirm" && state.recallMode === "replace");
}

function drawPreview() {
  const slot = document.getElementById("preview-slot");
  if (slot && composing()) {
    slot.replaceChildren(previewBox(state.preview, { onRetry: () => refreshPreview() }));
  }
}

function schedulePreview(delay = PREVIEW_DELAY_MS) {
  clearTimeout(state.previewTimer);
  if (state.templates && state.preview.state !== "loading") {
    // Say at once that the preview is about to change (the old one stays, dimmed).
    state.preview = { ...state.preview, state: "loading", error: null };
    drawPreview();
  }
  state.previewTimer = setTimeout(refreshPreview, delay);
}

async function refreshPreview() {
  if (!state.templates || !composing()) {
    return;
  }
  state.previewAbort?.abort();
  const model = ensureCorrectionModel();
  const missing = missingFields().names.length > 0;
  if (missing || (model.audience === "selected" && !model.selected.length)) {
    state.preview = { state: "empty", value: null, error: null, reason: missing ? "fields" : "people" };
    drawPreview();
    return;
  }
  const controller = new AbortController();
  state.previewAbort = controller;
  state.preview = { ...state.preview, state: "loading", error: null };
  drawPreview();
  try {
    const value = await api.previewCorrection(correctionPayload(), controller.signal);
    if (controller.signal.aborted) {
      return;
    }
    state.preview = { state: "ready", value, error: null };
  } catch (error) {
    if (controller.signal.aborted || error?.code === "aborted") {
      return;
    }
    state.preview = { state: "error", value: null, error: correctionErrorInfo(error) };
  }
  drawPreview();
}

/** describeError, with the correction's own codes spelled out. */
function correctionErrorInfo(error) {
  const info = describeError(error);
  if (!(error instanceof ApiError)) {
    return info;
  }
  const special = {
    empty_audience: t("error.emptyAudience"),
    recipients_not_in_original: t("error.notInOriginal", {
      addresses: (error.details?.addresses || []).join(", ") }),
    template_not_found: t("error.templateGone"),
    idempotency_conflict: t("error.conflict"),
    correction_quotes_original: t("error.quotesOriginal"),
  }[error.code];
  if (!special) {
    return info;
  }
  // Nothing went out and nothing needs changing: its "try again" gets the button; the others
  // name what to change in the form above.
  const action = error.code === "correction_quotes_original" ? "retry" : null;
  return { ...info, title: special, next: "", action };
}

async function sendCorrection() {
  if (state.correctionSending) {
    return;
  }
  if (!state.templates) {
    // The templates did not load: "Try again" loads them (nothing is sent yet).
    state.correctionError = null;
    drawCorrection();
    loadCorrectionTemplates();
    return;
  }
  const missing = missingFields();
  if (missing.names.length) {
    state.missing = missing.names;
    drawCorrection();
    document.getElementById(`field-${missing.names[0]}`)?.focus();
    announce(t("correction.missing", { fields: missing.labels.join(", ") }));
    return;
  }
  const payload = correctionPayload();
  state.correctionAttempt = attemptKey(state.correctionAttempt, payload);
  state.correctionSending = true;
  state.correctionError = null;
  drawCorrection();
  announce(t("correction.sending"));
  try {
    const result = await api.sendCorrection(payload, state.correctionAttempt.key);
    state.correctionSending = false;
    state.correctionAttempt = null;
    state.correctionResult = result;
    const people = [...(result.recipients?.to || []), ...(result.recipients?.cc || []),
                    ...(result.recipients?.bcc || [])];
    if (state.recall) {
      // The progress view says it was sent, and to whom, until the API has it too.
      state.recallView.sentTo = { id: result.id, names: people.map((p) => p.name || p.address) };
      state.recall = { ...state.recall, correction: {
        id: result.id, status: "completed", error: null, recipients: people.length } };
    }
    show("result", correctionResult(result, { onDone: backFromCorrection }));
    announce(t("correction.sentTitle"));
  } catch (error) {
    state.correctionSending = false;
    if (error instanceof ApiError) {
      if (error.code === "idempotency_conflict") {
        state.correctionAttempt = null;
      }
      if (error.code === "template_fields" && error.details?.missing?.length) {
        state.missing = error.details.missing;
      }
    }
    state.correctionError = correctionErrorInfo(error);
    drawCorrection();
    announce(`${state.correctionError.title} ${state.correctionError.next}`);
  }
}

start();
