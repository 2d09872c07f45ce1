/**
 * Every string the task pane shows, in English, German and French: the one file to translate.
 *
 * Templates use {name} placeholders. Keys ending in `.one` / `.other` are chosen by a count
 * (`plural`, by Intl.PluralRules). Reason texts (docs/reasons.md), recall outcomes and the
 * correction templates come from the API already in the pane's language: every call sends it
 * as Accept-Language. The headline is built here from the counts, except in English, where the
 * API's own sentence is shown.
 */

const en = {
  "app.title": "Recall Assistant",
  "app.loading": "Checking what recall can still delete…",
  "app.working": "Working…",
  "app.back": "Back",
  "app.tryAgain": "Try again",
  "app.close": "Close",
  "app.requestId": "Reference for your administrator: {id}",

  "notSent.title": "Open a message from Sent Items",
  "notSent.body": "Recall Assistant checks messages you have sent. Open one of them from your Sent Items folder, then open Recall Assistant again.",
  "notSent.compose": "Send the message first: Recall Assistant works on messages you have already sent.",

  "verdict.recallable": "Recall will probably work",
  "verdict.partly_recallable": "Recall will reach some people",
  "verdict.not_recallable": "Recall will not reach anyone",
  "verdict.unknown": "We cannot tell what recall will do",
  "verdict.sentAt": "Sent {when}",
  "verdict.recall": "Recall message…",
  "verdict.correct": "Send correction…",
  "verdict.notes": "Good to know",
  "verdict.recipients": "Recipients",
  "verdict.refresh": "Check again",

  "group.keep": "Will keep their copy",
  "group.unknown": "Cannot tell",
  "group.likely": "Recall deletes their copy",
  "group.groups": "Groups it was sent to",
  "group.you": "You",
  "group.count.one": "{count} person",
  "group.count.other": "{count} people",
  "group.groupCount.one": "{count} group",
  "group.groupCount.other": "{count} groups",
  "group.members.one": "{count} person",
  "group.members.other": "{count} people",
  "group.includes": "includes {groups}",
  "reach.internal_mailbox.one": "{count} colleague in your organisation: recall deletes their copy, opened or not",
  "reach.internal_mailbox.other": "{count} colleagues in your organisation: recall deletes their copies, opened or not",
  "reach.unread_copy.one": "{count} person has not opened it: recall deletes their copy",
  "reach.unread_copy.other": "{count} people have not opened it: recall deletes their copies",
  "reach.copy_gone.one": "{count} person's copy is already gone",
  "reach.copy_gone.other": "{count} people's copies are already gone",
  "reach.other.one": "{count} person ({what}): recall will probably delete their copy",
  "reach.other.other": "{count} people ({what}): recall will probably delete their copies",

  "field.to": "To",
  "field.cc": "Cc",
  "field.bcc": "Bcc",
  "recipient.via": "via {group}",
  "recipient.verdict.likely": "recall will probably delete their copy",
  "recipient.verdict.unknown": "cannot tell",
  "recipient.verdict.unlikely": "will probably keep their copy",
  "recipient.verdict.impossible": "will keep their copy",

  "chip.internal_mailbox": "In your organisation",
  "chip.read_state_unknown": "Opened? Unknown",
  "chip.unread_copy": "Not opened",
  "chip.read_copy_kept": "Already opened",
  "chip.moved_copy": "Moved",
  "chip.copy_gone": "Already gone",
  "chip.shared_mailbox": "Shared mailbox",
  "chip.special_mailbox": "Special mailbox",
  "chip.too_old": "Too old",
  "chip.classic_recall": "Old recall",
  "chip.classic_read_copy": "Already opened",
  "chip.classic_moved_copy": "Moved",
  "chip.unresolved_internal": "Not in directory",
  "chip.unreadable_address": "Not an email address",
  "chip.consumer_mail": "Outside Microsoft 365",
  "chip.other_organisation": "Other organisation",
  "chip.cross_tenant_listed": "Partner organisation",
  "chip.group_expanded": "Group",
  "chip.group_capped": "Large group",
  "chip.group_no_members": "Members hidden",
  "chip.sender_own_copy": "You",

  "contact.call": "Call {name}",
  "contact.chat": "Chat with {name} in Teams",
  "contact.noPhone": "No phone number in the directory",
  "contact.chatMessage": "Hi {name}, I sent you \"{subject}\" by mistake. Please delete it without reading it further. Thank you!",
  "contact.title": "Reach them yourself",
  "contact.hint": "Recall cannot reach these colleagues. A call or a chat is the quickest way.",

  "recall.title": "Recall this message",
  "recall.explain": "Recall deletes the message from the mailboxes it can reach. It cannot be undone.",
  "recall.reach.one": "Recall will probably delete {count} of {total} copies.",
  "recall.reach.other": "Recall will probably delete {count} of {total} copies.",
  "recall.modeLegend": "What should happen",
  "recall.modeDelete": "Delete it",
  "recall.modeDeleteHint": "Remove the message where recall reaches.",
  "recall.modeReplace": "Delete it and send a correction",
  "recall.modeReplaceHint": "Remove it, then send a correction: you see it and choose who gets it.",
  "recall.confirm": "Recall now",
  "recall.cancel": "Cancel",
  "recall.submitting": "Asking Microsoft 365 to recall the message…",
  "recall.progressTitle": "Recall in progress",
  "recall.settledTitle": "Recall finished",
  "recall.unknownTitle": "Recall status unknown",
  "recall.unknownBody": "We did not hear back from Microsoft 365 about this recall. Open the recall report in your Inbox to see what happened; the recall was not repeated.",
  "recall.waiting": "Waiting for the recall report from Microsoft 365. This can take a few minutes; you can close this pane.",
  "recall.part.succeeded": "{count} removed",
  "recall.part.failed": "{count} not removed",
  "recall.part.noReport": "{count} no report",
  "recall.part.pending": "{count} waiting",
  "recall.summaryNone": "Waiting for the first outcome",
  "recall.status.pending": "Waiting",
  "recall.status.succeeded": "Removed",
  "recall.status.failed": "Not removed",
  "recall.status.no_report": "No report",
  "recall.status.mayNeverConfirm": "Waiting — may never be confirmed",
  "recall.mayNeverConfirmReason": "Their organisation may not accept recalls or send a report back, so this may never be confirmed. Tell them yourself or send a correction.",
  "recall.waitUntil": "We wait for the report until {when}; anyone still waiting then counts as not confirmed.",
  "recall.already": "This message was already recalled, so nothing was asked again. This is that recall.",
  "recall.reachTitle": "Reach them yourself",
  "recall.retry.one": "Try again for {count} person",
  "recall.retry.other": "Try again for {count} people",
  "recall.retryHint": "Asks Microsoft 365 to recall it again, only for those whose copy may still be there.",
  "recall.retrying": "Asking Microsoft 365 to recall it again…",
  "recall.retried.one": "Recall asked again for {count} person.",
  "recall.retried.other": "Recall asked again for {count} people.",
  "recall.correctionLabel": "Correction",
  "recall.correction.completed": "Sent.",
  "recall.correction.completedTo.one": "Sent to {count} person.",
  "recall.correction.completedTo.other": "Sent to {count} people.",
  "recall.correction.completedNames": "Sent to {people}.",
  "recall.correction.pending": "Being sent…",
  "recall.correction.failed": "Not sent: {message}",
  "recall.correction.failedNoMessage": "Not sent.",
  "recall.correction.unknown": "We do not know whether it was sent. Look in your Sent Items before you send it again.",
  "recall.correction.retry": "Send the correction again…",
  "recall.checking": "Checking progress…",
  "recall.pollError": "Could not check progress ({reason}). Trying again in {seconds} s.",
  "recall.checkNow": "Check now",
  "recall.correctAfter.one": "Send a correction to the {count} person it did not reach…",
  "recall.correctAfter.other": "Send a correction to the {count} people it did not reach…",
  "recall.announceProgress": "Recall: {summary}.",
  "recall.announceSettled": "Recall finished: {summary}.",
  "recall.notification": "Recall finished: removed for {succeeded} of {total}; {failed} not reached. Open Recall Assistant to follow up.",
  "recall.notificationAll": "Recall finished: removed for all {total} recipients.",
  "recall.earlier": "You have already recalled this message.",
  "recall.show": "Show recall progress",

  "correction.title": "Send a correction",
  "correction.template": "Template",
  "correction.templateLoading": "Loading templates…",
  "correction.audienceLegend": "Send it to",
  "correction.audience.unrecallable": "Only those recall cannot reach",
  "correction.audience.notReached": "Only those recall did not reach",
  "correction.audience.all": "Everyone who got the message",
  "correction.audience.selected": "People I choose",
  "correction.choose": "Choose people",
  "correction.required": "required",
  "correction.preview": "Preview",
  "correction.previewEmpty": "Fill in the required fields to see the correction.",
  "correction.previewNoPeople": "Choose at least one person to see the correction.",
  "correction.previewLoading": "Updating the preview…",
  "correction.previewTo": "To: {people}",
  "correction.previewSubject": "Subject: {subject}",
  "correction.previewNobody": "Nobody",
  "correction.send": "Send correction",
  "correction.sending": "Sending the correction…",
  "correction.sentTitle": "Correction sent",
  "correction.sentTo.one": "Sent to {count} person as a reply in the same conversation.",
  "correction.sentTo.other": "Sent to {count} people as a reply in the same conversation.",
  "correction.missing": "Fill in: {fields}.",
  "correction.chars": "Up to {max} characters.",
  "correction.done": "Done",
  "correction.everyoneReached": "Recall reached everyone, so nobody is left out: the correction goes to everyone unless you choose people.",

  "error.network.title": "Recall Assistant cannot be reached",
  "error.network.next": "Check your network connection, then try again.",
  "error.timeout.title": "Recall Assistant did not answer in time",
  "error.timeout.next": "Try again in a moment.",
  "error.busy.title": "Microsoft 365 is busy",
  "error.busy.next": "Nothing was changed. Try again in {seconds} s.",
  "error.rateLimited.title": "Too many requests from you",
  "error.rateLimited.next": "Nothing was changed. Wait {seconds} s, then try again.",
  "error.server.title": "Something went wrong on our side",
  "error.server.next": "Nothing you entered is lost. Try again; if it keeps happening, tell your administrator.",
  "error.gone.title": "This message is not in your mailbox any more",
  "error.gone.next": "It may have been moved or deleted. Open it again from Sent Items.",
  "error.badItem.title": "Outlook gave us an id we cannot use",
  "error.badItem.next": "Close the message, open it again from Sent Items, then reopen Recall Assistant.",
  "error.consent.title": "Recall Assistant needs your permission",
  "error.consent.next": "Select Sign in to give it. If your organisation does not let you, ask your administrator to grant consent for Recall Assistant.",
  "error.signedOut.title": "Your sign-in has expired",
  "error.signedOut.next": "Select Sign in to sign in again.",
  "error.forbidden.title": "You are not allowed to do this",
  "error.forbidden.next": "Ask your administrator for access.",
  "error.invalid.title": "Something in the request was not right",
  "error.invalid.next": "Check what you entered, then try again.",
  "error.emptyAudience": "Nobody is left to send the correction to. Choose other people.",
  "error.notInOriginal": "These people did not get the original message: {addresses}.",
  "error.templateGone": "This template is no longer available. Choose another one.",
  "error.conflict": "This was changed since your last try. Select Send again to send what you see now.",
  "error.nothingToRetry": "There is nobody left to try again for: every copy that could be removed is gone.",
  "error.quotesOriginal": "The correction was not sent: its draft still held text of the original message. Nothing went out; try again.",
  "error.unavailable.title": "This is not available yet",
  "error.unavailable.next": "Your administrator has not switched this part of Recall Assistant on. Try again later.",
  "error.signIn": "Sign in",

  "sso.13000": "Your version of Office cannot sign you in to Recall Assistant.",
  "sso.13000.next": "Update Office (Microsoft 365, any monthly channel) or use Outlook on the web.",
  "sso.13001": "You are not signed in to Office.",
  "sso.13001.next": "Sign in to Office with your work account, then select Try again.",
  "sso.13002": "Sign-in was cancelled.",
  "sso.13002.next": "Select Sign in to try again. Recall Assistant needs to know who you are to check your message.",
  "sso.13003": "This kind of account cannot use Recall Assistant.",
  "sso.13003.next": "Sign in to Office with your work or school account, then try again.",
  "sso.13004": "Recall Assistant is set up wrongly in your organisation (error 13004).",
  "sso.13004.next": "Tell your administrator: the add-in's manifest does not match its server.",
  "sso.13005": "Recall Assistant has not been given permission to sign you in.",
  "sso.13005.next": "Ask your administrator to grant consent for Recall Assistant, then try again.",
  "sso.13006": "Office ran into a problem while signing you in.",
  "sso.13006.next": "Sign out of Office, close and reopen Outlook (or refresh the browser), then try again.",
  "sso.13007": "Office could not get a sign-in for Recall Assistant.",
  "sso.13007.next": "Try again in a moment. If it keeps happening, make sure you are signed in with your work account.",
  "sso.13008": "Another sign-in is still in progress.",
  "sso.13008.next": "Wait for it to finish, then select Try again.",
  "sso.13010": "Your browser's security zones block the sign-in.",
  "sso.13010.next": "Put your Microsoft 365 site and login.microsoftonline.com in the same security zone, then try again.",
  "sso.13012": "Signing in is not supported here.",
  "sso.13012.next": "Open Recall Assistant in Outlook on the web or in Outlook on your computer.",
  "sso.13013": "Office is receiving too many sign-in requests.",
  "sso.13013.next": "Wait a minute, then select Try again.",
  "sso.50001": "Office could not load what sign-in needs.",
  "sso.50001.next": "Restart Outlook (or clear the browser cache and refresh), then try again.",
  "sso.naa": "Sign-in through Outlook failed ({code}).",
  "sso.naa.next": "Select Try again. If it keeps happening, restart Outlook.",
  "sso.unknown": "Signing in failed (error {code}).",
  "sso.unknown.next": "Select Try again. If it keeps happening, restart Outlook and tell your administrator the error number.",

  "time.justNow": "just now",
  "time.minutes.one": "{count} minute ago",
  "time.minutes.other": "{count} minutes ago",
  "time.hours.one": "{count} hour ago",
  "time.hours.other": "{count} hours ago",
  "time.days.one": "{count} day ago",
  "time.days.other": "{count} days ago",
};

const de = {
  "app.title": "Recall Assistant",
  "app.loading": "Wir prüfen, was der Rückruf noch löschen kann…",
  "app.working": "Einen Moment…",
  "app.back": "Zurück",
  "app.tryAgain": "Erneut versuchen",
  "app.close": "Schließen",
  "app.requestId": "Referenz für Ihre Administration: {id}",

  "notSent.title": "Öffnen Sie eine Nachricht aus „Gesendete Elemente“",
  "notSent.body": "Recall Assistant prüft Nachrichten, die Sie gesendet haben. Öffnen Sie eine davon im Ordner „Gesendete Elemente“ und dann Recall Assistant erneut.",
  "notSent.compose": "Senden Sie die Nachricht zuerst: Recall Assistant arbeitet mit bereits gesendeten Nachrichten.",

  "verdict.recallable": "Der Rückruf wird wahrscheinlich klappen",
  "verdict.partly_recallable": "Der Rückruf erreicht einen Teil der Empfänger",
  "verdict.not_recallable": "Der Rückruf erreicht niemanden",
  "verdict.unknown": "Wir können nicht sagen, was der Rückruf bewirkt",
  "verdict.sentAt": "Gesendet {when}",
  "verdict.recall": "Nachricht zurückrufen…",
  "verdict.correct": "Korrektur senden…",
  "verdict.notes": "Gut zu wissen",
  "verdict.recipients": "Empfänger",
  "verdict.refresh": "Erneut prüfen",

  "group.keep": "Behalten ihre Kopie",
  "group.unknown": "Unklar",
  "group.likely": "Der Rückruf löscht ihre Kopie",
  "group.groups": "Gruppen, an die sie ging",
  "group.you": "Sie selbst",
  "group.count.one": "{count} Person",
  "group.count.other": "{count} Personen",
  "group.groupCount.one": "{count} Gruppe",
  "group.groupCount.other": "{count} Gruppen",
  "group.members.one": "{count} Person",
  "group.members.other": "{count} Personen",
  "group.includes": "enthält {groups}",
  "reach.internal_mailbox.one": "{count} Person in Ihrer Organisation: Der Rückruf löscht ihre Kopie, ob geöffnet oder nicht",
  "reach.internal_mailbox.other": "{count} Personen in Ihrer Organisation: Der Rückruf löscht ihre Kopien, ob geöffnet oder nicht",
  "reach.unread_copy.one": "{count} Person hat sie noch nicht geöffnet: Der Rückruf löscht ihre Kopie",
  "reach.unread_copy.other": "{count} Personen haben sie noch nicht geöffnet: Der Rückruf löscht ihre Kopien",
  "reach.copy_gone.one": "Bei {count} Person ist die Kopie schon weg",
  "reach.copy_gone.other": "Bei {count} Personen sind die Kopien schon weg",
  "reach.other.one": "{count} Person ({what}): Der Rückruf löscht wahrscheinlich ihre Kopie",
  "reach.other.other": "{count} Personen ({what}): Der Rückruf löscht wahrscheinlich ihre Kopien",

  "field.to": "An",
  "field.cc": "Cc",
  "field.bcc": "Bcc",
  "recipient.via": "über {group}",
  "recipient.verdict.likely": "der Rückruf löscht die Kopie wahrscheinlich",
  "recipient.verdict.unknown": "unklar",
  "recipient.verdict.unlikely": "behält die Kopie wahrscheinlich",
  "recipient.verdict.impossible": "behält die Kopie",

  "chip.internal_mailbox": "In Ihrer Organisation",
  "chip.read_state_unknown": "Geöffnet? Unbekannt",
  "chip.unread_copy": "Ungeöffnet",
  "chip.read_copy_kept": "Bereits geöffnet",
  "chip.moved_copy": "Verschoben",
  "chip.copy_gone": "Schon weg",
  "chip.shared_mailbox": "Freigegebenes Postfach",
  "chip.special_mailbox": "Sonderpostfach",
  "chip.too_old": "Zu alt",
  "chip.classic_recall": "Alter Rückruf",
  "chip.classic_read_copy": "Bereits geöffnet",
  "chip.classic_moved_copy": "Verschoben",
  "chip.unresolved_internal": "Nicht im Verzeichnis",
  "chip.unreadable_address": "Keine E-Mail-Adresse",
  "chip.consumer_mail": "Außerhalb von Microsoft 365",
  "chip.other_organisation": "Andere Organisation",
  "chip.cross_tenant_listed": "Partnerorganisation",
  "chip.group_expanded": "Gruppe",
  "chip.group_capped": "Große Gruppe",
  "chip.group_no_members": "Mitglieder verborgen",
  "chip.sender_own_copy": "Sie selbst",

  "contact.call": "{name} anrufen",
  "contact.chat": "Mit {name} in Teams chatten",
  "contact.noPhone": "Keine Telefonnummer im Verzeichnis",
  "contact.chatMessage": "Hallo {name}, ich habe Ihnen „{subject}“ versehentlich geschickt. Bitte löschen Sie die Nachricht ungelesen. Danke!",
  "contact.title": "Selbst Bescheid geben",
  "contact.hint": "Der Rückruf erreicht diese Kolleginnen und Kollegen nicht. Ein Anruf oder Chat ist am schnellsten.",

  "recall.title": "Diese Nachricht zurückrufen",
  "recall.explain": "Der Rückruf löscht die Nachricht aus den Postfächern, die er erreicht. Das lässt sich nicht rückgängig machen.",
  "recall.reach.one": "Der Rückruf löscht wahrscheinlich {count} von {total} Kopien.",
  "recall.reach.other": "Der Rückruf löscht wahrscheinlich {count} von {total} Kopien.",
  "recall.modeLegend": "Was soll passieren",
  "recall.modeDelete": "Löschen",
  "recall.modeDeleteHint": "Die Nachricht entfernen, wo der Rückruf hinkommt.",
  "recall.modeReplace": "Löschen und eine Korrektur senden",
  "recall.modeReplaceHint": "Entfernen und danach eine Korrektur senden: Sie sehen sie vorher und wählen, wer sie bekommt.",
  "recall.confirm": "Jetzt zurückrufen",
  "recall.cancel": "Abbrechen",
  "recall.submitting": "Microsoft 365 wird gebeten, die Nachricht zurückzurufen…",
  "recall.progressTitle": "Rückruf läuft",
  "recall.settledTitle": "Rückruf abgeschlossen",
  "recall.unknownTitle": "Stand des Rückrufs unbekannt",
  "recall.unknownBody": "Microsoft 365 hat zu diesem Rückruf nicht geantwortet. Sehen Sie im Rückrufbericht in Ihrem Posteingang nach; der Rückruf wurde nicht wiederholt.",
  "recall.waiting": "Wir warten auf den Rückrufbericht von Microsoft 365. Das kann einige Minuten dauern; Sie können diesen Bereich schließen.",
  "recall.part.succeeded": "{count} entfernt",
  "recall.part.failed": "{count} nicht entfernt",
  "recall.part.noReport": "{count} ohne Bericht",
  "recall.part.pending": "{count} ausstehend",
  "recall.summaryNone": "Wir warten auf das erste Ergebnis",
  "recall.status.pending": "Ausstehend",
  "recall.status.succeeded": "Entfernt",
  "recall.status.failed": "Nicht entfernt",
  "recall.status.no_report": "Kein Bericht",
  "recall.status.mayNeverConfirm": "Ausstehend – wird vielleicht nie bestätigt",
  "recall.mayNeverConfirmReason": "Ihre Organisation nimmt Rückrufe vielleicht nicht an oder schickt keinen Bericht zurück; das wird vielleicht nie bestätigt. Geben Sie selbst Bescheid oder senden Sie eine Korrektur.",
  "recall.waitUntil": "Wir warten bis {when} auf den Bericht; wer dann noch aussteht, gilt als nicht bestätigt.",
  "recall.already": "Diese Nachricht wurde bereits zurückgerufen, daher wurde nichts erneut angefragt. Das ist dieser Rückruf.",
  "recall.reachTitle": "Selbst Bescheid geben",
  "recall.retry.one": "Für {count} Person erneut versuchen",
  "recall.retry.other": "Für {count} Personen erneut versuchen",
  "recall.retryHint": "Bittet Microsoft 365 erneut um den Rückruf, nur für die, deren Kopie vielleicht noch da ist.",
  "recall.retrying": "Microsoft 365 wird erneut um den Rückruf gebeten…",
  "recall.retried.one": "Rückruf für {count} Person erneut angefragt.",
  "recall.retried.other": "Rückruf für {count} Personen erneut angefragt.",
  "recall.correctionLabel": "Korrektur",
  "recall.correction.completed": "Gesendet.",
  "recall.correction.completedTo.one": "An {count} Person gesendet.",
  "recall.correction.completedTo.other": "An {count} Personen gesendet.",
  "recall.correction.completedNames": "Gesendet an {people}.",
  "recall.correction.pending": "Wird gesendet…",
  "recall.correction.failed": "Nicht gesendet: {message}",
  "recall.correction.failedNoMessage": "Nicht gesendet.",
  "recall.correction.unknown": "Wir wissen nicht, ob sie gesendet wurde. Sehen Sie in „Gesendete Elemente“ nach, bevor Sie sie erneut senden.",
  "recall.correction.retry": "Korrektur erneut senden…",
  "recall.checking": "Fortschritt wird geprüft…",
  "recall.pollError": "Fortschritt konnte nicht geprüft werden ({reason}). Neuer Versuch in {seconds} s.",
  "recall.checkNow": "Jetzt prüfen",
  "recall.correctAfter.one": "Korrektur an die {count} Person senden, die er nicht erreicht hat…",
  "recall.correctAfter.other": "Korrektur an die {count} Personen senden, die er nicht erreicht hat…",
  "recall.announceProgress": "Rückruf: {summary}.",
  "recall.announceSettled": "Rückruf abgeschlossen: {summary}.",
  "recall.notification": "Rückruf abgeschlossen: bei {succeeded} von {total} entfernt; {failed} nicht erreicht. Öffnen Sie Recall Assistant für die nächsten Schritte.",
  "recall.notificationAll": "Rückruf abgeschlossen: bei allen {total} Empfängern entfernt.",
  "recall.earlier": "Sie haben diese Nachricht bereits zurückgerufen.",
  "recall.show": "Fortschritt des Rückrufs zeigen",

  "correction.title": "Korrektur senden",
  "correction.template": "Vorlage",
  "correction.templateLoading": "Vorlagen werden geladen…",
  "correction.audienceLegend": "Senden an",
  "correction.audience.unrecallable": "Nur an die, die der Rückruf nicht erreicht",
  "correction.audience.notReached": "Nur an die, die der Rückruf nicht erreicht hat",
  "correction.audience.all": "Alle, die die Nachricht bekommen haben",
  "correction.audience.selected": "Personen, die ich auswähle",
  "correction.choose": "Personen auswählen",
  "correction.required": "Pflichtfeld",
  "correction.preview": "Vorschau",
  "correction.previewEmpty": "Füllen Sie die Pflichtfelder aus, um die Korrektur zu sehen.",
  "correction.previewNoPeople": "Wählen Sie mindestens eine Person, um die Korrektur zu sehen.",
  "correction.previewLoading": "Vorschau wird aktualisiert…",
  "correction.previewTo": "An: {people}",
  "correction.previewSubject": "Betreff: {subject}",
  "correction.previewNobody": "Niemand",
  "correction.send": "Korrektur senden",
  "correction.sending": "Die Korrektur wird gesendet…",
  "correction.sentTitle": "Korrektur gesendet",
  "correction.sentTo.one": "An {count} Person gesendet, als Antwort in derselben Unterhaltung.",
  "correction.sentTo.other": "An {count} Personen gesendet, als Antwort in derselben Unterhaltung.",
  "correction.missing": "Bitte ausfüllen: {fields}.",
  "correction.chars": "Höchstens {max} Zeichen.",
  "correction.done": "Fertig",
  "correction.everyoneReached": "Der Rückruf hat alle erreicht, niemand bleibt übrig: Die Korrektur geht an alle, außer Sie wählen Personen aus.",

  "error.network.title": "Recall Assistant ist nicht erreichbar",
  "error.network.next": "Prüfen Sie Ihre Netzwerkverbindung und versuchen Sie es erneut.",
  "error.timeout.title": "Recall Assistant hat nicht rechtzeitig geantwortet",
  "error.timeout.next": "Versuchen Sie es gleich noch einmal.",
  "error.busy.title": "Microsoft 365 ist ausgelastet",
  "error.busy.next": "Es wurde nichts geändert. Versuchen Sie es in {seconds} s erneut.",
  "error.rateLimited.title": "Zu viele Anfragen von Ihnen",
  "error.rateLimited.next": "Es wurde nichts geändert. Warten Sie {seconds} s und versuchen Sie es dann erneut.",
  "error.server.title": "Bei uns ist etwas schiefgegangen",
  "error.server.next": "Ihre Eingaben bleiben erhalten. Versuchen Sie es erneut; wenn es wieder passiert, wenden Sie sich an Ihre Administration.",
  "error.gone.title": "Diese Nachricht ist nicht mehr in Ihrem Postfach",
  "error.gone.next": "Sie wurde vielleicht verschoben oder gelöscht. Öffnen Sie sie erneut aus „Gesendete Elemente“.",
  "error.badItem.title": "Outlook hat uns eine unbrauchbare Kennung gegeben",
  "error.badItem.next": "Schließen Sie die Nachricht, öffnen Sie sie erneut aus „Gesendete Elemente“ und dann Recall Assistant.",
  "error.consent.title": "Recall Assistant braucht Ihre Zustimmung",
  "error.consent.next": "Wählen Sie „Anmelden“, um sie zu erteilen. Wenn Ihre Organisation das nicht zulässt, bitten Sie Ihre Administration um die Zustimmung für Recall Assistant.",
  "error.signedOut.title": "Ihre Anmeldung ist abgelaufen",
  "error.signedOut.next": "Wählen Sie „Anmelden“, um sich erneut anzumelden.",
  "error.forbidden.title": "Das dürfen Sie nicht",
  "error.forbidden.next": "Bitten Sie Ihre Administration um Zugriff.",
  "error.invalid.title": "Etwas an der Anfrage stimmte nicht",
  "error.invalid.next": "Prüfen Sie Ihre Eingaben und versuchen Sie es erneut.",
  "error.emptyAudience": "Es bleibt niemand, an den die Korrektur gehen könnte. Wählen Sie andere Personen.",
  "error.notInOriginal": "Diese Personen haben die ursprüngliche Nachricht nicht bekommen: {addresses}.",
  "error.templateGone": "Diese Vorlage gibt es nicht mehr. Wählen Sie eine andere.",
  "error.conflict": "Seit Ihrem letzten Versuch hat sich etwas geändert. Wählen Sie erneut „Senden“, um das Angezeigte zu senden.",
  "error.nothingToRetry": "Es bleibt niemand für einen neuen Versuch: Jede Kopie, die sich entfernen ließ, ist weg.",
  "error.quotesOriginal": "Die Korrektur wurde nicht gesendet: Ihr Entwurf enthielt noch Text der ursprünglichen Nachricht. Es ging nichts hinaus; versuchen Sie es erneut.",
  "error.unavailable.title": "Das ist noch nicht verfügbar",
  "error.unavailable.next": "Ihre Administration hat diesen Teil von Recall Assistant nicht eingeschaltet. Versuchen Sie es später erneut.",
  "error.signIn": "Anmelden",

  "sso.13000": "Ihre Office-Version kann Sie nicht bei Recall Assistant anmelden.",
  "sso.13000.next": "Aktualisieren Sie Office (Microsoft 365, monatlicher Kanal) oder nutzen Sie Outlook im Web.",
  "sso.13001": "Sie sind nicht bei Office angemeldet.",
  "sso.13001.next": "Melden Sie sich mit Ihrem Arbeitskonto bei Office an und wählen Sie dann „Erneut versuchen“.",
  "sso.13002": "Die Anmeldung wurde abgebrochen.",
  "sso.13002.next": "Wählen Sie „Anmelden“, um es erneut zu versuchen. Recall Assistant muss wissen, wer Sie sind, um Ihre Nachricht zu prüfen.",
  "sso.13003": "Mit dieser Art Konto lässt sich Recall Assistant nicht nutzen.",
  "sso.13003.next": "Melden Sie sich mit Ihrem Arbeits- oder Schulkonto bei Office an und versuchen Sie es erneut.",
  "sso.13004": "Recall Assistant ist in Ihrer Organisation falsch eingerichtet (Fehler 13004).",
  "sso.13004.next": "Sagen Sie Ihrer Administration: Das Manifest des Add-ins passt nicht zu seinem Server.",
  "sso.13005": "Recall Assistant hat keine Berechtigung, Sie anzumelden.",
  "sso.13005.next": "Bitten Sie Ihre Administration um die Zustimmung für Recall Assistant und versuchen Sie es dann erneut.",
  "sso.13006": "Office hatte beim Anmelden ein Problem.",
  "sso.13006.next": "Melden Sie sich bei Office ab, schließen und öffnen Sie Outlook (oder laden Sie den Browser neu) und versuchen Sie es erneut.",
  "sso.13007": "Office konnte keine Anmeldung für Recall Assistant bekommen.",
  "sso.13007.next": "Versuchen Sie es gleich noch einmal. Wenn es wieder passiert, prüfen Sie, ob Sie mit Ihrem Arbeitskonto angemeldet sind.",
  "sso.13008": "Eine andere Anmeldung läuft noch.",
  "sso.13008.next": "Warten Sie, bis sie fertig ist, und wählen Sie dann „Erneut versuchen“.",
  "sso.13010": "Die Sicherheitszonen Ihres Browsers verhindern die Anmeldung.",
  "sso.13010.next": "Legen Sie Ihre Microsoft-365-Seite und login.microsoftonline.com in dieselbe Sicherheitszone und versuchen Sie es erneut.",
  "sso.13012": "Anmelden wird hier nicht unterstützt.",
  "sso.13012.next": "Öffnen Sie Recall Assistant in Outlook im Web oder in Outlook auf Ihrem Computer.",
  "sso.13013": "Office erhält zu viele Anmeldeanfragen.",
  "sso.13013.next": "Warten Sie eine Minute und wählen Sie dann „Erneut versuchen“.",
  "sso.50001": "Office konnte nicht laden, was die Anmeldung braucht.",
  "sso.50001.next": "Starten Sie Outlook neu (oder leeren Sie den Browser-Cache und laden Sie neu) und versuchen Sie es erneut.",
  "sso.naa": "Die Anmeldung über Outlook ist fehlgeschlagen ({code}).",
  "sso.naa.next": "Wählen Sie „Erneut versuchen“. Wenn es wieder passiert, starten Sie Outlook neu.",
  "sso.unknown": "Die Anmeldung ist fehlgeschlagen (Fehler {code}).",
  "sso.unknown.next": "Wählen Sie „Erneut versuchen“. Wenn es wieder passiert, starten Sie Outlook neu und nennen Sie Ihrer Administration die Fehlernummer.",

  "time.justNow": "gerade eben",
  "time.minutes.one": "vor {count} Minute",
  "time.minutes.other": "vor {count} Minuten",
  "time.hours.one": "vor {count} Stunde",
  "time.hours.other": "vor {count} Stunden",
  "time.days.one": "vor {count} Tag",
  "time.days.other": "vor {count} Tagen",

  // Headlines other than English are built from the counts (the API's English is as written).
  "headline.recallable.one": "Der Rückruf löscht wahrscheinlich die Kopie Ihres Empfängers.",
  "headline.recallable.other": "Der Rückruf löscht wahrscheinlich die Kopien aller {total} Empfänger.",
  "headline.allChecked.one": "Der Rückruf löscht wahrscheinlich die Kopie des {total} geprüften Empfängers.",
  "headline.allChecked.other": "Der Rückruf löscht wahrscheinlich die Kopien aller {total} geprüften Empfänger.",
  "headline.of.one": "Von {count} Empfänger",
  "headline.of.other": "Von {count} Empfängern",
  "headline.ofChecked.one": "Von {count} geprüften Empfänger",
  "headline.ofChecked.other": "Von {count} geprüften Empfängern",
  "headline.keep.one": "behält {count} diese Nachricht wahrscheinlich",
  "headline.keep.other": "behalten {count} diese Nachricht wahrscheinlich",
  "headline.cannotTell.one": "bei {count} können wir es nicht sagen",
  "headline.cannotTell.other": "bei {count} können wir es nicht sagen",
  "headline.and": "{first}, und {second}",
  "headline.rest.one": "der Rückruf löscht wahrscheinlich die übrige Kopie",
  "headline.rest.other": "der Rückruf löscht wahrscheinlich die übrigen {count} Kopien",
  "headline.partly": "{of} {who}; {rest}.",
  "headline.unknownRest.one": "bei dem übrigen können wir nicht sagen, was der Rückruf bewirkt",
  "headline.unknownRest.other": "bei den übrigen {count} können wir nicht sagen, was der Rückruf bewirkt",
  "headline.unknownMixed": "{of} {who}; {rest}.",
  "headline.unknownNobody": "Wir können nicht sagen, wer diese Nachricht bekommen hat, und daher nicht, was der Rückruf bewirkt.",
  "headline.unknownAll.one": "Wir können nicht sagen, ob der Rückruf Ihren Empfänger erreicht.",
  "headline.unknownAll.other": "Wir können nicht sagen, ob der Rückruf einen der {total} Empfänger erreicht.",
  "headline.not_recallable": "Der Rückruf erreicht keinen Ihrer Empfänger. Senden Sie eine Korrektur oder melden Sie sich direkt.",
  "headline.onlySender": "Sie sind der einzige Empfänger: Es gibt niemanden, bei dem sich diese Nachricht zurückrufen ließe.",
  "headline.noRecipients": "Diese Nachricht hat keine Empfänger, bei denen sie sich zurückrufen ließe.",
  "headline.tooOld": "Diese Nachricht ist {age_days} Tage alt, und Ihre Organisation ruft Nachrichten nur bis {max_days} Tage zurück: Der Rückruf erreicht niemanden. Senden Sie stattdessen eine Korrektur oder melden Sie sich direkt.",
};

const fr = {
  "app.title": "Recall Assistant",
  "app.loading": "Nous vérifions ce que le rappel peut encore supprimer…",
  "app.working": "Un instant…",
  "app.back": "Retour",
  "app.tryAgain": "Réessayer",
  "app.close": "Fermer",
  "app.requestId": "Référence pour votre administrateur : {id}",

  "notSent.title": "Ouvrez un message des Éléments envoyés",
  "notSent.body": "Recall Assistant vérifie les messages que vous avez envoyés. Ouvrez-en un dans votre dossier Éléments envoyés, puis rouvrez Recall Assistant.",
  "notSent.compose": "Envoyez d’abord le message : Recall Assistant travaille sur les messages déjà envoyés.",

  "verdict.recallable": "Le rappel devrait réussir",
  "verdict.partly_recallable": "Le rappel atteindra une partie des destinataires",
  "verdict.not_recallable": "Le rappel n’atteindra personne",
  "verdict.unknown": "Nous ne pouvons pas dire ce que fera le rappel",
  "verdict.sentAt": "Envoyé {when}",
  "verdict.recall": "Rappeler le message…",
  "verdict.correct": "Envoyer une correction…",
  "verdict.notes": "Bon à savoir",
  "verdict.recipients": "Destinataires",
  "verdict.refresh": "Vérifier à nouveau",

  "group.keep": "Garderont leur copie",
  "group.unknown": "Impossible à dire",
  "group.likely": "Le rappel supprime leur copie",
  "group.groups": "Groupes destinataires",
  "group.you": "Vous",
  "group.count.one": "{count} personne",
  "group.count.other": "{count} personnes",
  "group.groupCount.one": "{count} groupe",
  "group.groupCount.other": "{count} groupes",
  "group.members.one": "{count} personne",
  "group.members.other": "{count} personnes",
  "group.includes": "dont {groups}",
  "reach.internal_mailbox.one": "{count} collègue de votre organisation : le rappel supprime sa copie, ouverte ou non",
  "reach.internal_mailbox.other": "{count} collègues de votre organisation : le rappel supprime leurs copies, ouvertes ou non",
  "reach.unread_copy.one": "{count} personne ne l’a pas ouvert : le rappel supprime sa copie",
  "reach.unread_copy.other": "{count} personnes ne l’ont pas ouvert : le rappel supprime leurs copies",
  "reach.copy_gone.one": "La copie de {count} personne a déjà disparu",
  "reach.copy_gone.other": "Les copies de {count} personnes ont déjà disparu",
  "reach.other.one": "{count} personne ({what}) : le rappel supprimera probablement sa copie",
  "reach.other.other": "{count} personnes ({what}) : le rappel supprimera probablement leurs copies",

  "field.to": "À",
  "field.cc": "Cc",
  "field.bcc": "Cci",
  "recipient.via": "via {group}",
  "recipient.verdict.likely": "le rappel supprimera probablement sa copie",
  "recipient.verdict.unknown": "impossible à dire",
  "recipient.verdict.unlikely": "gardera probablement sa copie",
  "recipient.verdict.impossible": "gardera sa copie",

  "chip.internal_mailbox": "Dans votre organisation",
  "chip.read_state_unknown": "Ouvert ? Inconnu",
  "chip.unread_copy": "Pas ouvert",
  "chip.read_copy_kept": "Déjà ouvert",
  "chip.moved_copy": "Déplacé",
  "chip.copy_gone": "Déjà disparu",
  "chip.shared_mailbox": "Boîte partagée",
  "chip.special_mailbox": "Boîte spéciale",
  "chip.too_old": "Trop ancien",
  "chip.classic_recall": "Ancien rappel",
  "chip.classic_read_copy": "Déjà ouvert",
  "chip.classic_moved_copy": "Déplacé",
  "chip.unresolved_internal": "Absent de l’annuaire",
  "chip.unreadable_address": "Pas une adresse e-mail",
  "chip.consumer_mail": "Hors de Microsoft 365",
  "chip.other_organisation": "Autre organisation",
  "chip.cross_tenant_listed": "Organisation partenaire",
  "chip.group_expanded": "Groupe",
  "chip.group_capped": "Grand groupe",
  "chip.group_no_members": "Membres masqués",
  "chip.sender_own_copy": "Vous",

  "contact.call": "Appeler {name}",
  "contact.chat": "Discuter avec {name} dans Teams",
  "contact.noPhone": "Pas de numéro de téléphone dans l’annuaire",
  "contact.chatMessage": "Bonjour {name}, je vous ai envoyé « {subject} » par erreur. Merci de le supprimer sans le lire davantage. Merci !",
  "contact.title": "Prévenez-les vous-même",
  "contact.hint": "Le rappel n’atteint pas ces collègues. Un appel ou un message est le plus rapide.",

  "recall.title": "Rappeler ce message",
  "recall.explain": "Le rappel supprime le message des boîtes aux lettres qu’il atteint. C’est irréversible.",
  "recall.reach.one": "Le rappel supprimera probablement {count} copie sur {total}.",
  "recall.reach.other": "Le rappel supprimera probablement {count} copies sur {total}.",
  "recall.modeLegend": "Que faut-il faire",
  "recall.modeDelete": "Le supprimer",
  "recall.modeDeleteHint": "Retirer le message là où le rappel arrive.",
  "recall.modeReplace": "Le supprimer et envoyer une correction",
  "recall.modeReplaceHint": "Le retirer, puis envoyer une correction : vous la voyez avant et choisissez qui la reçoit.",
  "recall.confirm": "Rappeler maintenant",
  "recall.cancel": "Annuler",
  "recall.submitting": "Demande de rappel envoyée à Microsoft 365…",
  "recall.progressTitle": "Rappel en cours",
  "recall.settledTitle": "Rappel terminé",
  "recall.unknownTitle": "État du rappel inconnu",
  "recall.unknownBody": "Microsoft 365 n’a pas répondu au sujet de ce rappel. Ouvrez le rapport de rappel dans votre boîte de réception pour voir ce qui s’est passé ; le rappel n’a pas été répété.",
  "recall.waiting": "En attente du rapport de rappel de Microsoft 365. Cela peut prendre quelques minutes ; vous pouvez fermer ce volet.",
  "recall.part.succeeded": "{count} retiré(s)",
  "recall.part.failed": "{count} non retiré(s)",
  "recall.part.noReport": "{count} sans rapport",
  "recall.part.pending": "{count} en attente",
  "recall.summaryNone": "En attente du premier résultat",
  "recall.status.pending": "En attente",
  "recall.status.succeeded": "Retiré",
  "recall.status.failed": "Non retiré",
  "recall.status.no_report": "Pas de rapport",
  "recall.status.mayNeverConfirm": "En attente — peut-être jamais confirmé",
  "recall.mayNeverConfirmReason": "Leur organisation n’accepte peut-être pas les rappels ou ne renvoie pas de rapport : ce ne sera peut-être jamais confirmé. Prévenez-les vous-même ou envoyez une correction.",
  "recall.waitUntil": "Nous attendons le rapport jusqu’au {when} ; ceux qui attendent encore compteront alors comme non confirmés.",
  "recall.already": "Ce message a déjà été rappelé : rien n’a été redemandé. Voici ce rappel.",
  "recall.reachTitle": "Prévenez-les vous-même",
  "recall.retry.one": "Réessayer pour {count} personne",
  "recall.retry.other": "Réessayer pour {count} personnes",
  "recall.retryHint": "Demande à Microsoft 365 de le rappeler à nouveau, seulement pour ceux dont la copie est peut-être encore là.",
  "recall.retrying": "Nouvelle demande de rappel à Microsoft 365…",
  "recall.retried.one": "Rappel redemandé pour {count} personne.",
  "recall.retried.other": "Rappel redemandé pour {count} personnes.",
  "recall.correctionLabel": "Correction",
  "recall.correction.completed": "Envoyée.",
  "recall.correction.completedTo.one": "Envoyée à {count} personne.",
  "recall.correction.completedTo.other": "Envoyée à {count} personnes.",
  "recall.correction.completedNames": "Envoyée à {people}.",
  "recall.correction.pending": "Envoi en cours…",
  "recall.correction.failed": "Non envoyée : {message}",
  "recall.correction.failedNoMessage": "Non envoyée.",
  "recall.correction.unknown": "Nous ne savons pas si elle est partie. Regardez dans vos Éléments envoyés avant de la renvoyer.",
  "recall.correction.retry": "Renvoyer la correction…",
  "recall.checking": "Vérification de l’avancement…",
  "recall.pollError": "Impossible de vérifier l’avancement ({reason}). Nouvel essai dans {seconds} s.",
  "recall.checkNow": "Vérifier maintenant",
  "recall.correctAfter.one": "Envoyer une correction à la personne non atteinte…",
  "recall.correctAfter.other": "Envoyer une correction aux {count} personnes non atteintes…",
  "recall.announceProgress": "Rappel : {summary}.",
  "recall.announceSettled": "Rappel terminé : {summary}.",
  "recall.notification": "Rappel terminé : retiré pour {succeeded} sur {total} ; {failed} non atteint(s). Ouvrez Recall Assistant pour la suite.",
  "recall.notificationAll": "Rappel terminé : retiré pour les {total} destinataires.",
  "recall.earlier": "Vous avez déjà rappelé ce message.",
  "recall.show": "Voir l’avancement du rappel",

  "correction.title": "Envoyer une correction",
  "correction.template": "Modèle",
  "correction.templateLoading": "Chargement des modèles…",
  "correction.audienceLegend": "L’envoyer à",
  "correction.audience.unrecallable": "Seulement ceux que le rappel n’atteint pas",
  "correction.audience.notReached": "Seulement ceux que le rappel n’a pas atteints",
  "correction.audience.all": "Tous ceux qui ont reçu le message",
  "correction.audience.selected": "Les personnes que je choisis",
  "correction.choose": "Choisir les personnes",
  "correction.required": "obligatoire",
  "correction.preview": "Aperçu",
  "correction.previewEmpty": "Remplissez les champs obligatoires pour voir la correction.",
  "correction.previewNoPeople": "Choisissez au moins une personne pour voir la correction.",
  "correction.previewLoading": "Mise à jour de l’aperçu…",
  "correction.previewTo": "À : {people}",
  "correction.previewSubject": "Objet : {subject}",
  "correction.previewNobody": "Personne",
  "correction.send": "Envoyer la correction",
  "correction.sending": "Envoi de la correction…",
  "correction.sentTitle": "Correction envoyée",
  "correction.sentTo.one": "Envoyée à {count} personne, en réponse dans la même conversation.",
  "correction.sentTo.other": "Envoyée à {count} personnes, en réponse dans la même conversation.",
  "correction.missing": "À remplir : {fields}.",
  "correction.chars": "{max} caractères au plus.",
  "correction.done": "Terminé",
  "correction.everyoneReached": "Le rappel a atteint tout le monde, personne n’est laissé de côté : la correction part à tous, sauf si vous choisissez des personnes.",

  "error.network.title": "Recall Assistant est injoignable",
  "error.network.next": "Vérifiez votre connexion réseau, puis réessayez.",
  "error.timeout.title": "Recall Assistant n’a pas répondu à temps",
  "error.timeout.next": "Réessayez dans un instant.",
  "error.busy.title": "Microsoft 365 est surchargé",
  "error.busy.next": "Rien n’a été modifié. Réessayez dans {seconds} s.",
  "error.rateLimited.title": "Trop de demandes de votre part",
  "error.rateLimited.next": "Rien n’a été modifié. Attendez {seconds} s, puis réessayez.",
  "error.server.title": "Un problème est survenu de notre côté",
  "error.server.next": "Rien de ce que vous avez saisi n’est perdu. Réessayez ; si cela se reproduit, prévenez votre administrateur.",
  "error.gone.title": "Ce message n’est plus dans votre boîte aux lettres",
  "error.gone.next": "Il a peut-être été déplacé ou supprimé. Rouvrez-le depuis les Éléments envoyés.",
  "error.badItem.title": "Outlook nous a donné un identifiant inutilisable",
  "error.badItem.next": "Fermez le message, rouvrez-le depuis les Éléments envoyés, puis rouvrez Recall Assistant.",
  "error.consent.title": "Recall Assistant a besoin de votre autorisation",
  "error.consent.next": "Choisissez Se connecter pour la donner. Si votre organisation ne vous le permet pas, demandez à votre administrateur d’accorder le consentement à Recall Assistant.",
  "error.signedOut.title": "Votre connexion a expiré",
  "error.signedOut.next": "Choisissez Se connecter pour vous reconnecter.",
  "error.forbidden.title": "Vous n’êtes pas autorisé à faire ceci",
  "error.forbidden.next": "Demandez l’accès à votre administrateur.",
  "error.invalid.title": "Quelque chose n’allait pas dans la demande",
  "error.invalid.next": "Vérifiez ce que vous avez saisi, puis réessayez.",
  "error.emptyAudience": "Il ne reste personne à qui envoyer la correction. Choisissez d’autres personnes.",
  "error.notInOriginal": "Ces personnes n’ont pas reçu le message d’origine : {addresses}.",
  "error.templateGone": "Ce modèle n’est plus disponible. Choisissez-en un autre.",
  "error.conflict": "Quelque chose a changé depuis votre dernier essai. Choisissez Envoyer à nouveau pour envoyer ce que vous voyez.",
  "error.nothingToRetry": "Il ne reste personne pour un nouvel essai : toutes les copies qui pouvaient être retirées ont disparu.",
  "error.quotesOriginal": "La correction n’est pas partie : son brouillon contenait encore du texte du message d’origine. Rien n’est parti ; réessayez.",
  "error.unavailable.title": "Ce n’est pas encore disponible",
  "error.unavailable.next": "Votre administrateur n’a pas activé cette partie de Recall Assistant. Réessayez plus tard.",
  "error.signIn": "Se connecter",

  "sso.13000": "Votre version d’Office ne peut pas vous connecter à Recall Assistant.",
  "sso.13000.next": "Mettez Office à jour (Microsoft 365, canal mensuel) ou utilisez Outlook sur le web.",
  "sso.13001": "Vous n’êtes pas connecté à Office.",
  "sso.13001.next": "Connectez-vous à Office avec votre compte professionnel, puis choisissez Réessayer.",
  "sso.13002": "La connexion a été annulée.",
  "sso.13002.next": "Choisissez Se connecter pour réessayer. Recall Assistant doit savoir qui vous êtes pour vérifier votre message.",
  "sso.13003": "Ce type de compte ne peut pas utiliser Recall Assistant.",
  "sso.13003.next": "Connectez-vous à Office avec votre compte professionnel ou scolaire, puis réessayez.",
  "sso.13004": "Recall Assistant est mal configuré dans votre organisation (erreur 13004).",
  "sso.13004.next": "Prévenez votre administrateur : le manifeste du complément ne correspond pas à son serveur.",
  "sso.13005": "Recall Assistant n’a pas reçu l’autorisation de vous connecter.",
  "sso.13005.next": "Demandez à votre administrateur d’accorder le consentement à Recall Assistant, puis réessayez.",
  "sso.13006": "Office a rencontré un problème pendant votre connexion.",
  "sso.13006.next": "Déconnectez-vous d’Office, fermez et rouvrez Outlook (ou actualisez le navigateur), puis réessayez.",
  "sso.13007": "Office n’a pas pu obtenir de connexion pour Recall Assistant.",
  "sso.13007.next": "Réessayez dans un instant. Si cela se reproduit, vérifiez que vous êtes connecté avec votre compte professionnel.",
  "sso.13008": "Une autre connexion est encore en cours.",
  "sso.13008.next": "Attendez qu’elle se termine, puis choisissez Réessayer.",
  "sso.13010": "Les zones de sécurité de votre navigateur bloquent la connexion.",
  "sso.13010.next": "Placez votre site Microsoft 365 et login.microsoftonline.com dans la même zone de sécurité, puis réessayez.",
  "sso.13012": "La connexion n’est pas prise en charge ici.",
  "sso.13012.next": "Ouvrez Recall Assistant dans Outlook sur le web ou dans Outlook sur votre ordinateur.",
  "sso.13013": "Office reçoit trop de demandes de connexion.",
  "sso.13013.next": "Attendez une minute, puis choisissez Réessayer.",
  "sso.50001": "Office n’a pas pu charger ce dont la connexion a besoin.",
  "sso.50001.next": "Redémarrez Outlook (ou videz le cache du navigateur et actualisez), puis réessayez.",
  "sso.naa": "La connexion par Outlook a échoué ({code}).",
  "sso.naa.next": "Choisissez Réessayer. Si cela se reproduit, redémarrez Outlook.",
  "sso.unknown": "La connexion a échoué (erreur {code}).",
  "sso.unknown.next": "Choisissez Réessayer. Si cela se reproduit, redémarrez Outlook et donnez le numéro d’erreur à votre administrateur.",

  "time.justNow": "à l’instant",
  "time.minutes.one": "il y a {count} minute",
  "time.minutes.other": "il y a {count} minutes",
  "time.hours.one": "il y a {count} heure",
  "time.hours.other": "il y a {count} heures",
  "time.days.one": "il y a {count} jour",
  "time.days.other": "il y a {count} jours",

  // Headlines built from the counts (see `headline`); French puts a space before ; and :.
  "headline.recallable.one": "Le rappel supprimera probablement la copie de votre destinataire.",
  "headline.recallable.other": "Le rappel supprimera probablement les copies des {total} destinataires.",
  "headline.allChecked.one": "Le rappel supprimera probablement la copie du destinataire vérifié.",
  "headline.allChecked.other": "Le rappel supprimera probablement les copies des {total} destinataires vérifiés.",
  "headline.of.one": "Sur {count} destinataire",
  "headline.of.other": "Sur {count} destinataires",
  "headline.ofChecked.one": "Sur {count} destinataire vérifié",
  "headline.ofChecked.other": "Sur {count} destinataires vérifiés",
  "headline.keep.one": "{count} gardera probablement ce message",
  "headline.keep.other": "{count} garderont probablement ce message",
  "headline.cannotTell.one": "pour {count}, nous ne pouvons pas le dire",
  "headline.cannotTell.other": "pour {count}, nous ne pouvons pas le dire",
  "headline.and": "{first} et {second}",
  "headline.rest.one": "le rappel supprimera probablement l’autre copie",
  "headline.rest.other": "le rappel supprimera probablement les {count} autres copies",
  "headline.partly": "{of}, {who} ; {rest}.",
  "headline.unknownRest.one": "pour l’autre, nous ne pouvons pas dire ce que fera le rappel",
  "headline.unknownRest.other": "pour les {count} autres, nous ne pouvons pas dire ce que fera le rappel",
  "headline.unknownMixed": "{of}, {who} ; {rest}.",
  "headline.unknownNobody": "Nous ne savons pas qui a reçu ce message : nous ne pouvons donc pas dire ce que fera le rappel.",
  "headline.unknownAll.one": "Nous ne pouvons pas dire si le rappel atteindra votre destinataire.",
  "headline.unknownAll.other": "Nous ne pouvons pas dire si le rappel atteindra l’un des {total} destinataires.",
  "headline.not_recallable": "Le rappel n’atteindra aucun de vos destinataires. Envoyez une correction ou prévenez-les directement.",
  "headline.onlySender": "Vous êtes le seul destinataire : personne chez qui rappeler ce message.",
  "headline.noRecipients": "Ce message n’a pas de destinataire chez qui le rappeler.",
  "headline.tooOld": "Ce message date de {age_days} jours et votre organisation ne rappelle que les messages de {max_days} jours au plus : le rappel n’atteindra personne. Envoyez plutôt une correction ou prévenez-les directement.",
};

const CATALOGUES = { en, de, fr };

let current = "en";

/** The language for Office's display language ("de-DE" → "de"); English otherwise. */
export function pickLanguage(displayLanguage) {
  const primary = String(displayLanguage || "").toLowerCase().split(/[-_]/)[0];
  return primary in CATALOGUES ? primary : "en";
}

/** Switch the catalogue every later `t` call reads. */
export function setLanguage(language) {
  current = language in CATALOGUES ? language : "en";
  document.documentElement.lang = current;
}

export function language() {
  return current;
}

/** Fill {placeholders} of a template; unknown placeholders stay visible rather than vanish. */
export function format(template, params = {}) {
  return String(template).replace(/\{(\w+)\}/g, (whole, name) =>
    name in params && params[name] !== null && params[name] !== undefined
      ? String(params[name]) : whole);
}

/** Whether the current language has a string for `key`. */
export function has(key) {
  return key in CATALOGUES[current] || key in en;
}

/** The string for `key` in the current language (English when missing), filled with `params`. */
export function t(key, params) {
  const template = CATALOGUES[current][key] ?? en[key] ?? key;
  return format(template, params);
}

const pluralRules = {};

/** The plural category of `count` in the current language ("one", "other", …). */
export function pluralCategory(count) {
  pluralRules[current] ??= new Intl.PluralRules(current);
  return pluralRules[current].select(count);
}

/**
 * `key.<category>` by `count` under the current language's plural rules (Intl.PluralRules:
 * French says "0 personne", English "0 people"); a category the catalogue lacks (a language's
 * "few" or "many") falls back to `key.other`.
 */
export function plural(key, count, params = {}) {
  const category = pluralCategory(count);
  const exact = `${key}.${category}`;
  return t(exact in CATALOGUES[current] || exact in en ? exact : `${key}.other`,
           { count, ...params });
}

/** A reason's text (the API writes it in the language the pane asked for). */
export function reasonText(reason) {
  return reason?.text || "";
}

/** The short chip label of a reason code, or null when it has none. */
export function chipLabel(code) {
  const key = `chip.${code}`;
  return key in en ? t(key) : null;
}

/**
 * The summary's headline: the API's English sentence, or the same sentence built from the
 * counts of `recipients` (POST /api/eligibility's list) in the current language, with what the
 * groups could not show said after it.
 */
export function headline(summary, recipients = []) {
  if (current === "en" || !summary) {
    return summary ? summary.headline : "";
  }
  const people = recipients.filter((r) => r.counted);
  const keep = people.filter((r) => r.verdict === "unlikely" || r.verdict === "impossible").length;
  const unknown = people.filter((r) => r.verdict === "unknown").length;
  const groups = recipients.filter((r) => r.kind === "internal_group");
  const gaps = groups.flatMap((g) => g.reasons)
    .filter((r) => r.code === "group_capped" || r.code === "group_no_members");
  const sentence = headlineSentence(summary, { keep, unknown, partial: gaps.length > 0,
                                               recipients });
  const tooOld = recipients.some((r) => r.reasons.some((x) => x.code === "too_old"));
  return tooOld ? sentence : [sentence, ...gaps.map(reasonText)].join(" ");
}

function headlineSentence(summary, { keep, unknown, partial, recipients }) {
  const { total, recallable: likely } = summary;
  if (summary.verdict === "recallable") {
    return plural("headline.recallable", total, { total });
  }
  const of = plural(partial ? "headline.ofChecked" : "headline.of", total);
  const who = [keep ? plural("headline.keep", keep) : null,
               unknown ? plural("headline.cannotTell", unknown) : null].filter(Boolean);
  if (summary.verdict === "partly_recallable") {
    if (!who.length) {
      return plural(partial ? "headline.allChecked" : "headline.recallable", total, { total });
    }
    return t("headline.partly", {
      of, who: who.length === 2 ? t("headline.and", { first: who[0], second: who[1] }) : who[0],
      rest: plural("headline.rest", likely) });
  }
  if (summary.verdict === "unknown") {
    if (!total) {
      return t("headline.unknownNobody");
    }
    if (unknown === total) {
      return plural("headline.unknownAll", total, { total });
    }
    return t("headline.unknownMixed", { of, who: plural("headline.keep", keep),
                                         rest: plural("headline.unknownRest", unknown) });
  }
  const old = recipients.flatMap((r) => r.reasons).find((x) => x.code === "too_old");
  if (old) {
    return t("headline.tooOld", old.params);
  }
  if (!total) {
    return t(recipients.length ? "headline.onlySender" : "headline.noRecipients");
  }
  return t("headline.not_recallable");
}

/** "12 minutes ago"-style text for an ISO time. */
export function ago(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) {
    return "";
  }
  const minutes = Math.max(0, Math.round((now - then) / 60000));
  if (minutes < 1) {
    return t("time.justNow");
  }
  if (minutes < 60) {
    return plural("time.minutes", minutes);
  }
  const hours = Math.round(minutes / 60);
  if (hours < 48) {
    return plural("time.hours", hours);
  }
  return plural("time.days", Math.round(hours / 24));
}

/** Each catalogue's keys, so that a test can check that both are complete. */
export function catalogueKeys() {
  return Object.fromEntries(Object.entries(CATALOGUES).map(([lang, c]) => [lang, Object.keys(c)]));
}
