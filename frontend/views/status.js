/**
 * The pane's simple states: loading skeleton, "not a sent message", an error with its next step.
 */

import { t } from "../strings.js";
import { stripBidiControls } from "../text.js";
import { h, icon } from "./dom.js";

/** Grey blocks in the shape of the verdict, so the pane is never blank while it loads. */
export function skeleton() {
  const line = (width) => h("span", { class: "skeleton-line", style: `width:${width}%` });
  return h("section", { class: "skeleton", "aria-busy": "true", "aria-labelledby": "loading-text" },
    h("p", { id: "loading-text", class: "loading-text", text: t("app.loading") }),
    h("div", { class: "card skeleton-card", "aria-hidden": "true" },
      line(70), line(95), line(55)),
    h("div", { class: "skeleton-list", "aria-hidden": "true" },
      [0, 1, 2].map(() => h("div", { class: "skeleton-row" },
        h("span", { class: "skeleton-avatar" }),
        h("span", { class: "skeleton-lines" }, line(60), line(85))))));
}

/** The item is not a sent message (no item, a draft, an appointment, or 422 from the API). */
export function notSent(kind) {
  return h("section", { class: "notice", "aria-labelledby": "view-title" },
    h("div", { class: "notice-icon" }, icon("info")),
    h("h2", { id: "view-title", tabindex: "-1", text: t("notSent.title") }),
    h("p", { text: kind === "compose" ? t("notSent.compose") : t("notSent.body") }));
}

/**
 * An error, what to do next, and the button that does it.
 * @param {{title: string, next: string, action: string|null, requestId: string|null}} info
 * @param {{onRetry?: Function, onSignIn?: Function}} handlers
 */
export function errorPanel(info, handlers = {}, { compact = false } = {}) {
  const buttons = [];
  if (info.action === "signin" && handlers.onSignIn) {
    buttons.push(h("button", { type: "button", class: "primary", onClick: handlers.onSignIn,
                               text: t("error.signIn") }));
  } else if (info.action === "retry" && handlers.onRetry) {
    buttons.push(h("button", { type: "button", class: "primary", onClick: handlers.onRetry,
                               text: t("app.tryAgain") }));
  }
  const Heading = compact ? "p" : "h2";
  return h("div", { class: ["error-panel", compact && "compact"], role: "alert",
                    "data-code": info.code || "" },
    h("div", { class: "error-head" }, icon("warn"),
      h(Heading, { class: "error-title", id: compact ? null : "view-title",
                   tabindex: compact ? null : "-1", text: stripBidiControls(info.title) })),
    // Titles can quote the API's message or addresses it refused: no bidi control of theirs.
    info.next ? h("p", { class: "error-next", text: stripBidiControls(info.next) }) : null,
    info.requestId ? h("p", { class: "request-id", text: t("app.requestId", { id: info.requestId }) })
      : null,
    buttons.length ? h("div", { class: "actions" }, buttons) : null);
}

/** A short "working" line with a spinner, for actions in flight. */
export function working(text) {
  return h("p", { class: "working", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }),
    text);
}
