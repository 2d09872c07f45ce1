/**
 * Build DOM without HTML strings: text goes in as text, never as markup.
 *
 * `h("button", {class: "primary", onClick: fn, "aria-live": "polite"}, "Send")`: props named
 * `on<Event>` become listeners, `class`, `text` and boolean attributes are handled, every other
 * prop is an attribute. Children are nodes, strings (as text), arrays, or null (skipped).
 * Text someone else chose (subjects, names, addresses) goes through `untrusted`.
 */

import { pieces, stripBidiControls } from "../text.js";

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      element.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    } else if (name === "text") {
      element.textContent = value;
    } else if (name === "value") {
      element.value = value;
    } else if (name === "checked" || name === "selected" || name === "disabled") {
      element[name] = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(parent, child);
    } else if (child instanceof Node) {
      parent.append(child);
    } else {
      parent.append(document.createTextNode(String(child)));
    }
  }
}

/**
 * Text someone else chose, in a <bdi> of its own without explicit bidi controls: a subject with
 * U+202E cannot display reversed, nor reorder the pane's text around it (frontend/text.js).
 */
export function untrusted(value, props = {}) {
  return h("bdi", { ...props, text: stripBidiControls(value) });
}

/**
 * `fill(params)` as nodes, each param isolated by `untrusted` (an array: each item, joined by
 * ", "). E.g. `withUntrusted((p) => t("correction.previewSubject", p), { subject })`.
 */
export function withUntrusted(fill, params) {
  return pieces(fill, params).map((piece) => {
    if (typeof piece === "string") {
      return piece;
    }
    if (!Array.isArray(piece.value)) {
      return untrusted(piece.value);
    }
    return piece.value.flatMap((item, i) => (i ? [", ", untrusted(item)] : [untrusted(item)]));
  });
}

/** An inline SVG icon from a path (decorative: hidden from assistive technology). */
export function icon(name) {
  const paths = {
    check: "M4 10.5l4 4 8-9",
    cross: "M5 5l10 10M15 5L5 15",
    question: "M7.5 7.5a2.5 2.5 0 115 0c0 1.7-2.5 2-2.5 4M10 14.5v.5",
    warn: "M10 3l8 14H2L10 3zM10 8v4M10 14.5v.5",
    clock: "M10 3a7 7 0 110 14 7 7 0 010-14zM10 6v4l3 2",
    phone: "M6 3l2 4-2 1.5c1 2 2.5 3.5 4.5 4.5L12 11l4 2-1 3.5C9 16 4 11 3.5 4.5L6 3z",
    chat: "M3 4h14v9H8l-4 3v-3H3z",
    back: "M12 4l-6 6 6 6",
    info: "M10 3a7 7 0 110 14 7 7 0 010-14zM10 9v5M10 6.5v.5",
  };
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 20 20");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", `icon icon-${name}`);
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", paths[name] || paths.info);
  svg.append(path);
  return svg;
}
