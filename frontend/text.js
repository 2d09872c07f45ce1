/**
 * Text other people chose (subjects, names, addresses, directory entries) as the pane shows it.
 *
 * Such text may carry explicit bidi controls: U+202E (right-to-left override) makes
 * "invoice\u202Egnp.exe" display as "invoiceexe.png", and an unclosed embedding or isolate
 * reorders whatever the pane puts after it. The explicit embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) are removed; the implicit marks (U+200E, U+200F, U+061C)
 * are kept, as they only nudge neutral characters. Elements then isolate the text in a <bdi>
 * (views/dom.js `untrusted`); places that hold text only (option labels, aria-label, the Teams
 * draft) get it stripped. Pure functions, no DOM: the node tests load this module directly.
 */

const EXPLICIT_BIDI = /[\u202A-\u202E\u2066-\u2069]/g;

/** `value` as text without explicit bidi embeddings, overrides or isolates. */
export function stripBidiControls(value) {
  return String(value ?? "").replace(EXPLICIT_BIDI, "");
}

/**
 * What `fill(params)` gives, cut where each param went: strings, and `{ value }` in place of a
 * param, so a caller can isolate each chosen value on its own (`fill` is e.g. `(p) => t(k, p)`).
 */
export function pieces(fill, params) {
  const names = Object.keys(params);
  const marked = fill(Object.fromEntries(names.map((name, i) => [name, `\u0000${i}\u0000`])));
  return marked.split(/\u0000(\d+)\u0000/)
    .map((piece, i) => (i % 2 ? { value: params[names[Number(piece)]] } : piece))
    .filter((piece) => piece !== "");
}
