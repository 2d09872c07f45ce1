/**
 * The demo page: choose a signed-in user and one of their messages, and see the task pane in a
 * 320 px frame as Outlook shows it. `/demo?user=<address>&message=<id>[&lang=de-DE]` opens
 * straight on that message; plain `/demo` opens on the sandbox's first message (the fixture's
 * `demoStart`), however much was sent since. "Reset the sandbox" puts every mailbox back as
 * seeded and empties the demo's database. Notifications the pane puts on the message appear above it. The
 * reading pane shows the message's text, so that after a recall or a correction a person can
 * open each recipient's Inbox and read what actually landed there.
 *
 * Subjects, names and addresses are someone else's text: each goes in a <bdi> without explicit
 * bidi controls (frontend/text.js), so a U+202E in a subject cannot display it reversed.
 */

import { stripBidiControls } from "../text.js";

const userSelect = document.getElementById("user");
const messageSelect = document.getElementById("message");
const langSelect = document.getElementById("lang");
const frame = document.getElementById("pane");
const status = document.getElementById("picker-status");
const FOLDERS = { sentitems: "Sent Items", inbox: "Inbox", drafts: "Drafts",
                  deleteditems: "Deleted Items", archive: "Archive" };

let users = [];
let start = { user: null, message: null };

/** Element `id` shows `parts`: strings (ours) and nodes such as `untrusted(...)`. */
function text(id, ...parts) {
  document.getElementById(id).replaceChildren(...parts);
}

function untrusted(value) {
  const element = document.createElement("bdi");
  element.textContent = stripBidiControls(value);
  return element;
}

/** `items` each isolated, with `separator` between them. */
function untrustedList(items, separator) {
  return items.flatMap((item, i) => (i ? [separator, untrusted(item)] : [untrusted(item)]));
}

function option(value, label) {
  // An option holds text only, no <bdi>: the chosen text loses its bidi controls instead.
  const element = document.createElement("option");
  element.value = value;
  element.textContent = stripBidiControls(label);
  return element;
}

function currentUser() {
  return users.find((u) => u.mail === userSelect.value) || users[0];
}

/** The user picker, on `wanted` when that user exists, else on the first. */
function fillUsers(wanted) {
  userSelect.replaceChildren(...users.map((u) => option(u.mail, `${u.displayName} <${u.mail}>`)));
  userSelect.value = users.some((u) => u.mail === wanted) ? wanted : users[0].mail;
}

function fillMessages(wanted) {
  const user = currentUser();
  messageSelect.replaceChildren(...user.messages.map((m) =>
    option(m.id, `${m.subject} (${FOLDERS[m.folder] || m.folder})`)));
  // Not whatever was sent last (a correction, say): the demo's start, else a seeded message.
  const sent = user.messages.filter((m) => m.folder === "sentitems");
  const first = sent.find((m) => m.id === start.message) || sent.find((m) => m.seeded)
    || sent[0] || user.messages[0];
  messageSelect.value = user.messages.some((m) => m.id === wanted) ? wanted : first?.id || "";
}

function showMessage(user, message) {
  const from = message?.from || { name: user.displayName, address: user.mail };
  text("folder", message ? FOLDERS[message.folder] || message.folder : "");
  text("subject", message ? untrusted(message.subject) : "No message open");
  text("from", ...(message ? [untrusted(from.name), " <", untrusted(from.address), ">"] : []));
  text("to", ...(message ? untrustedList(message.to, "; ") : []));
  text("body", ...(message?.body ? [untrusted(message.body)] : []));  // :empty hides the box
  document.getElementById("notifications").replaceChildren();
}

function open() {
  const user = currentUser();
  const message = user.messages.find((m) => m.id === messageSelect.value);
  const query = new URLSearchParams({ user: user.mail, lang: langSelect.value });
  if (message) {
    query.set("item", message.id);
    query.set("imid", message.internetMessageId);  // as Outlook gives it in read mode
  }
  const page = new URLSearchParams({ user: user.mail, message: message ? message.id : "",
                                     lang: langSelect.value });
  window.history.replaceState(null, "", `/demo?${page}`);
  showMessage(user, message);
  frame.src = `/taskpane.html?${query}`;
  status.replaceChildren(...(message
    ? ["Opened “", untrusted(message.subject), "” as ", untrusted(user.displayName), "."] : []));
}

function showNotifications(list) {
  const slot = document.getElementById("notifications");
  slot.replaceChildren(...list.map((n) => {
    const bar = document.createElement("div");
    bar.className = "notification";
    bar.dataset.key = n.key;
    const img = document.createElement("img");
    img.src = "/assets/icon-16.png";
    img.alt = "";
    img.width = 16;
    img.height = 16;
    const message = document.createElement("span");
    message.textContent = stripBidiControls(n.message);
    bar.append(img, message);
    return bar;
  }));
}

window.addEventListener("message", (event) => {
  if (event.origin !== window.location.origin || event.source !== frame.contentWindow) {
    return;
  }
  const data = event.data || {};
  if (data.source === "recall-assistant-shim" && data.kind === "notifications") {
    showNotifications(Array.isArray(data.detail) ? data.detail : []);
  }
});

/** The sandbox's mailboxes as they are now; false (and a message saying so) if it failed. */
async function loadMailboxes() {
  try {
    const response = await fetch("/sandbox/demo/mailboxes", { cache: "no-store" });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
    const answer = await response.json();
    users = answer.users;
    start = answer.start || start;
    return true;
  } catch (error) {
    status.textContent = `The sandbox tenant did not answer (${error.message}). Reload the page.`;
    return false;
  }
}

/** Read the mailboxes again (a correction or a recall report may have arrived). */
async function refresh() {
  const wantedUser = userSelect.value;
  const wantedMessage = messageSelect.value;
  if (!(await loadMailboxes())) {
    return;
  }
  fillUsers(wantedUser);
  fillMessages(wantedMessage);
  const user = currentUser();
  showMessage(user, user.messages.find((m) => m.id === messageSelect.value));
  status.textContent = "Mailboxes read again.";
}

/** Every mailbox as seeded and the demo's database empty; then the demo's first message. */
async function reset() {
  const button = document.getElementById("reset");
  button.disabled = true;
  status.textContent = "Resetting the sandbox…";
  try {
    const response = await fetch("/sandbox/demo/reset", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
      cache: "no-store" });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}`);
    }
  } catch (error) {
    status.textContent = `The sandbox was not reset (${error.message}). Try again.`;
    button.disabled = false;
    return;
  }
  button.disabled = false;
  if (!(await loadMailboxes())) {
    return;
  }
  fillUsers(start.user);
  fillMessages(start.message);
  open();
  status.textContent = "Sandbox reset: every mailbox is as it was seeded, and nothing is "
    + "recalled or corrected any more.";
}

async function init() {
  const params = new URLSearchParams(window.location.search);
  if (!(await loadMailboxes())) {
    return;
  }
  fillUsers((params.get("user") || start.user || "").toLowerCase());
  fillMessages(params.get("message"));
  if (params.get("lang")) {
    langSelect.value = params.get("lang");
  }
  userSelect.disabled = false;
  messageSelect.disabled = false;
  userSelect.addEventListener("change", () => fillMessages(null));
  document.getElementById("refresh").addEventListener("click", refresh);
  document.getElementById("reset").addEventListener("click", reset);
  document.getElementById("picker").addEventListener("submit", (event) => {
    event.preventDefault();
    open();
  });
  open();
}

init();
