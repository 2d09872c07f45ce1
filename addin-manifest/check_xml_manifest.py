"""Structural check of the add-in only (XML) manifest, standard library only.

Microsoft's validator for XML manifests is an online service (docs/microsoft-facts.md,
"Office.js"), so the tests check the
rendered manifest here instead: the elements Outlook needs, in the order the MS-OWEMXML schema
requires, unique ids, every ``resid`` pointing at a resource of the right kind, every URL https
on one origin, icons that exist with the declared pixel sizes, the on-send event, and
``WebApplicationInfo`` whose ``Resource`` is ``api://<host[:port]>/<client id>``.

Run: ``python addin-manifest/check_xml_manifest.py build/manifest/manifest.xml
[--client-id GUID] [--assets frontend/assets]``; prints each problem, exits 1 if any.
"""

from __future__ import annotations

import argparse
import re
import struct
import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own rendered file, not untrusted input
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

APP = "http://schemas.microsoft.com/office/appforoffice/1.1"
BT = "http://schemas.microsoft.com/office/officeappbasictypes/1.0"
MO = "http://schemas.microsoft.com/office/mailappversionoverrides"
MO11 = "http://schemas.microsoft.com/office/mailappversionoverrides/1.1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ASSETS = Path(__file__).resolve().parents[1] / "frontend" / "assets"

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
VERSION = re.compile(r"^\d{1,5}(\.\d{1,5}){0,3}$")
BUTTON_SIZES = {16, 20, 24, 32, 40, 48, 64, 80}
REQUIRED_BUTTON_SIZES = {16, 32, 80}
# Outlook wants these sizes for the add-in's own icons (convert-xml-to-json-manifest.md).
ICON_URL_SIZE, HIGH_RESOLUTION_SIZE = 64, 128

# (namespace, name, minOccurs, maxOccurs) in schema order; None = unbounded.
MAIL_APP = [(APP, "Id", 1, 1), (APP, "AlternateId", 0, 1), (APP, "Version", 1, 1),
            (APP, "ProviderName", 1, 1), (APP, "DefaultLocale", 1, 1),
            (APP, "DisplayName", 1, 1), (APP, "Description", 1, 1), (APP, "IconUrl", 0, 1),
            (APP, "HighResolutionIconUrl", 0, 1), (APP, "SupportUrl", 0, 1),
            (APP, "AppDomains", 0, 1), (APP, "Hosts", 0, 1), (APP, "Requirements", 1, 1),
            (APP, "FormSettings", 1, 1), (APP, "Permissions", 0, 1), (APP, "Rule", 1, 1),
            (APP, "DisableEntityHighlighting", 0, 1), (MO, "VersionOverrides", 0, 1)]
OVERRIDES_1_0 = [(MO, "Description", 0, 1), (MO, "Requirements", 0, 1), (MO, "Hosts", 0, 1),
                 (MO, "Resources", 0, 1), (MO11, "VersionOverrides", 0, 1)]
OVERRIDES_1_1 = [(MO11, "Description", 0, 1), (MO11, "Requirements", 0, 1),
                 (MO11, "Hosts", 1, 1), (MO11, "Resources", 1, 1),
                 (MO11, "WebApplicationInfo", 0, 1), (MO11, "EquivalentAddins", 0, 1),
                 (MO11, "ConnectedServiceControls", 0, 1), (MO11, "ExtendedPermissions", 0, 1)]
MAIL_HOST = [(MO11, "Runtimes", 0, 1), (MO11, "DesktopFormFactor", 0, 1),
             (MO11, "MobileFormFactor", 0, 1)]
DESKTOP = [(MO11, "SupportsSharedFolders", 0, 1), (MO11, "FunctionFile", 1, 1),
           (MO11, "ExtensionPoint", 1, None)]
RESOURCES = [(BT, "Images", 0, 1), (BT, "Urls", 0, 1), (BT, "ShortStrings", 0, 1),
             (BT, "LongStrings", 0, 1)]
CONTROL = [(MO11, "Label", 1, 1), (MO11, "Supertip", 1, 1), (MO11, "Icon", 1, 1),
           (MO11, "Action", 1, 1)]
WEB_APPLICATION_INFO = [(MO11, "Id", 1, 1), (MO11, "Resource", 1, 1), (MO11, "Scopes", 1, 1)]
PERMISSIONS = ("Restricted", "ReadItem", "ReadWriteItem", "ReadWriteMailbox")


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk, or None when the file is not a PNG."""
    head = path.read_bytes()[:24]
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


class Checker:
    """Collects the problems of one manifest; ``problems`` is empty when it passes."""

    def __init__(self, root: ET.Element, *, assets: Path, client_id: str | None,
                 origin: str | None):
        self.root = root
        self.assets = assets
        self.client_id = client_id
        self.origin = origin
        self.problems: list[str] = []
        self.resources: dict[str, tuple[str, str]] = {}  # id -> (kind, value)
        self.referenced: set[str] = set()

    # -- helpers --------------------------------------------------------------------------
    def problem(self, text: str) -> None:
        self.problems.append(text)

    def sequence(self, element: ET.Element | None, spec: list, where: str) -> None:
        """Children appear in schema order, each within its min/max occurrences."""
        if element is None:
            return
        order = [q(ns, name) for ns, name, _, _ in spec]
        position = 0
        counts = dict.fromkeys(order, 0)
        for child in element:
            if not isinstance(child.tag, str):
                continue  # comments
            if child.tag not in counts:
                self.problem(f"{where}: unexpected element {_local(child.tag)}.")
                continue
            index = order.index(child.tag)
            if index < position:
                self.problem(f"{where}: {_local(child.tag)} is out of order (the schema puts "
                             f"it before {_local(order[position])}).")
            position = max(position, index)
            counts[child.tag] += 1
        for ns, name, low, high in spec:
            n = counts[q(ns, name)]
            if n < low:
                self.problem(f"{where}: {name} is missing.")
            if high is not None and n > high:
                self.problem(f"{where}: {name} appears {n} times (at most {high}).")

    def xsi_type(self, element: ET.Element) -> str:
        return element.get(q(XSI, "type"), "")

    def url(self, value: str | None, where: str) -> str | None:
        """An https URL on the manifest's one origin."""
        if not value:
            self.problem(f"{where}: the URL is empty.")
            return None
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.netloc:
            self.problem(f"{where}: {value!r} is not an https URL.")
            return None
        origin = f"https://{parts.netloc}"
        if self.origin is None:
            self.origin = origin
        elif origin != self.origin:
            self.problem(f"{where}: {value!r} is not on the add-in's origin {self.origin}.")
        return value

    def icon(self, value: str | None, size: int, where: str) -> None:
        url = self.url(value, where)
        if url is None:
            return
        path = urlsplit(url).path
        if not path.startswith("/assets/"):
            self.problem(f"{where}: icons are served from /assets/, not {path!r}.")
            return
        file = self.assets / path.removeprefix("/assets/")
        if not file.is_file():
            self.problem(f"{where}: {file.name} does not exist in {self.assets}.")
            return
        actual = png_size(file)
        if actual is None:
            self.problem(f"{where}: {file.name} is not a PNG file.")
        elif actual != (size, size):
            self.problem(f"{where}: {file.name} is {actual[0]}x{actual[1]}, "
                         f"not {size}x{size}.")

    def resid(self, element: ET.Element | None, kind: str, where: str) -> str | None:
        """The value of the resource that ``element``'s resid names, which must be a ``kind``."""
        if element is None:
            self.problem(f"{where}: missing.")
            return None
        rid = element.get("resid", "")
        self.referenced.add(rid)
        if len(rid) > 32:
            self.problem(f"{where}: resid {rid!r} is longer than 32 characters.")
        found = self.resources.get(rid)
        if found is None:
            self.problem(f"{where}: resid {rid!r} names no resource.")
            return None
        if found[0] != kind:
            self.problem(f"{where}: resid {rid!r} is a {found[0]}, not a {kind}.")
            return None
        return found[1]

    # -- the manifest ---------------------------------------------------------------------
    def run(self) -> list[str]:
        root = self.root
        if root.tag != q(APP, "OfficeApp") or self.xsi_type(root) != "MailApp":
            self.problem("The root element must be OfficeApp (appforoffice/1.1), type MailApp.")
            return self.problems
        self.sequence(root, MAIL_APP, "OfficeApp")
        self.base(root)
        outer = root.find(q(MO, "VersionOverrides"))
        if outer is None or self.xsi_type(outer) != "VersionOverridesV1_0":
            self.problem("OfficeApp: VersionOverrides (mail, VersionOverridesV1_0) is missing.")
            return self.problems
        self.sequence(outer, OVERRIDES_1_0, "VersionOverrides 1.0")
        inner = outer.find(q(MO11, "VersionOverrides"))
        if inner is None or self.xsi_type(inner) != "VersionOverridesV1_1":
            self.problem("VersionOverrides 1.0 must end with VersionOverrides 1.1 "
                         "(LaunchEvent and WebApplicationInfo live there).")
            return self.problems
        self.sequence(inner, OVERRIDES_1_1, "VersionOverrides 1.1")
        self.read_resources(inner.find(q(MO11, "Resources")))
        self.requirements(inner.find(q(MO11, "Requirements")))
        self.hosts(inner.find(q(MO11, "Hosts")))
        self.web_application_info(inner.find(q(MO11, "WebApplicationInfo")))
        unused = set(self.resources) - self.referenced
        for rid in sorted(unused):
            self.problem(f"Resources: {rid!r} is defined but never used.")
        return self.problems

    def base(self, root: ET.Element) -> None:
        text = {_local(c.tag): (c.text or "").strip() for c in root if isinstance(c.tag, str)}
        if not GUID.match(text.get("Id", "")):
            self.problem("Id must be a GUID.")
        if not VERSION.match(text.get("Version", "")):
            self.problem("Version must be up to four numbers like 1.0.0.0.")
        for name, limit in (("DisplayName", 125), ("Description", 250)):
            element = root.find(q(APP, name))
            value = element.get("DefaultValue", "") if element is not None else ""
            if not 0 < len(value) <= limit:
                self.problem(f"{name} needs a DefaultValue of 1 to {limit} characters.")
        for name, size in (("IconUrl", ICON_URL_SIZE),
                           ("HighResolutionIconUrl", HIGH_RESOLUTION_SIZE)):
            element = root.find(q(APP, name))
            if element is None:
                self.problem(f"{name} is missing (Outlook shows it in its add-in lists).")
            else:
                self.icon(element.get("DefaultValue"), size, name)
        support = root.find(q(APP, "SupportUrl"))
        if support is not None:
            self.url(support.get("DefaultValue"), "SupportUrl")
        for domain in root.iterfind(f"{q(APP, 'AppDomains')}/{q(APP, 'AppDomain')}"):
            self.url((domain.text or "").strip(), "AppDomain")
        hosts = [h.get("Name") for h in root.iterfind(f"{q(APP, 'Hosts')}/{q(APP, 'Host')}")]
        if hosts != ["Mailbox"]:
            self.problem("Hosts must name the one host Mailbox.")
        sets = root.findall(f"{q(APP, 'Requirements')}/{q(APP, 'Sets')}/{q(APP, 'Set')}")
        if [s.get("Name", "").lower() for s in sets] != ["mailbox"]:
            self.problem("Requirements must ask for the Mailbox set.")
        for location in root.iter(q(APP, "SourceLocation")):
            self.url(location.get("DefaultValue"), "FormSettings SourceLocation")
        permissions = (root.findtext(q(APP, "Permissions")) or "").strip()
        if permissions not in PERMISSIONS:
            self.problem(f"Permissions {permissions!r} is not one of {', '.join(PERMISSIONS)}.")
        elif PERMISSIONS.index(permissions) < PERMISSIONS.index("ReadWriteItem"):
            self.problem("Permissions must be at least ReadWriteItem: the on-send check sets "
                         "the delivery time.")
        rule = root.find(q(APP, "Rule"))
        if rule is not None and not any(
                r.get("ItemType") == "Message" and r.get("FormType") in ("Read", "ReadOrEdit")
                for r in rule.iter(q(APP, "Rule"))):
            self.problem("Rule must activate on messages in read mode.")

    def read_resources(self, resources: ET.Element | None) -> None:
        self.sequence(resources, RESOURCES, "Resources")
        if resources is None:
            return
        kinds = (("Images", "Image", "image", None), ("Urls", "Url", "url", None),
                 ("ShortStrings", "String", "short string", 125),
                 ("LongStrings", "String", "long string", 250))
        for group, item, kind, limit in kinds:
            for element in resources.iterfind(f"{q(BT, group)}/{q(BT, item)}"):
                rid = element.get("id", "")
                value = element.get("DefaultValue", "")
                if not rid or len(rid) > 32:
                    self.problem(f"Resources: id {rid!r} must be 1 to 32 characters.")
                if rid in self.resources:
                    self.problem(f"Resources: id {rid!r} is defined twice.")
                if limit is not None and not 0 < len(value) <= limit:
                    self.problem(f"Resources: {rid!r} must be 1 to {limit} characters.")
                if kind in ("image", "url"):
                    self.url(value, f"Resources {rid!r}")
                self.resources[rid] = (kind, value)

    def requirements(self, requirements: ET.Element | None) -> None:
        sets = requirements.find(q(BT, "Sets")) if requirements is not None else None
        names = ([s.get("Name", "").lower() for s in sets.iter(q(BT, "Set"))]
                 if sets is not None else [])
        if sets is None or names != ["mailbox"]:
            self.problem("VersionOverrides 1.1: Requirements must name the Mailbox set.")
            return
        minimum = sets.get("DefaultMinVersion", "1.1")
        if _version(minimum) < (1, 12):
            self.problem(f"VersionOverrides 1.1: Mailbox {minimum} is below 1.12, which "
                         "OnMessageSend needs.")

    def hosts(self, hosts: ET.Element | None) -> None:
        host_list = list(hosts.iter(q(MO11, "Host"))) if hosts is not None else []
        if len(host_list) != 1 or self.xsi_type(host_list[0]) != "MailHost":
            self.problem("VersionOverrides 1.1: Hosts must hold one Host of type MailHost.")
            return
        host = host_list[0]
        self.sequence(host, MAIL_HOST, "MailHost")
        runtime_page = self.runtime(host.find(q(MO11, "Runtimes")))
        desktop = host.find(q(MO11, "DesktopFormFactor"))
        if desktop is None:
            self.problem("MailHost: DesktopFormFactor is missing.")
            return
        self.sequence(desktop, DESKTOP, "DesktopFormFactor")
        self.resid(desktop.find(q(MO11, "FunctionFile")), "url", "FunctionFile")
        points = {}
        for point in desktop.iterfind(q(MO11, "ExtensionPoint")):
            kind = self.xsi_type(point)
            if kind in points:
                self.problem(f"DesktopFormFactor: ExtensionPoint {kind} appears twice.")
            points[kind] = point
        if "MessageReadCommandSurface" not in points:
            self.problem("DesktopFormFactor: no MessageReadCommandSurface (the ribbon button).")
        else:
            self.read_surface(points["MessageReadCommandSurface"])
        if "LaunchEvent" not in points:
            self.problem("DesktopFormFactor: no LaunchEvent extension point (on-send check).")
        else:
            self.launch_event(points["LaunchEvent"], runtime_page)
        ids = [e.get("id") for e in desktop.iter() if e.get("id") is not None]
        for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
            self.problem(f"DesktopFormFactor: id {duplicate!r} is used twice.")

    def runtime(self, runtimes: ET.Element | None) -> str | None:
        found = list(runtimes.iterfind(q(MO11, "Runtime"))) if runtimes is not None else []
        if len(found) != 1:
            self.problem("MailHost: Runtimes must hold the one runtime of the on-send check.")
            return None
        runtime = found[0]
        page = self.resid(runtime, "url", "Runtime")
        if page is not None and not urlsplit(page).path.endswith(".html"):
            self.problem("Runtime: its resid must name the HTML page (/commands.html).")
        override = runtime.find(q(MO11, "Override"))
        if override is None or override.get("type") != "javascript":
            self.problem("Runtime: the Override of type javascript (classic Outlook) is missing.")
        else:
            script = self.resid(override, "url", "Runtime Override")
            if script is not None and not urlsplit(script).path.endswith(".js"):
                self.problem("Runtime Override: its resid must name a JavaScript file.")
        return runtime.get("resid")

    def read_surface(self, point: ET.Element) -> None:
        tab = point.find(q(MO11, "OfficeTab"))
        groups = list(tab.iterfind(q(MO11, "Group"))) if tab is not None else []
        if tab is None or tab.get("id") != "TabDefault" or not groups:
            self.problem("MessageReadCommandSurface: needs OfficeTab TabDefault with a Group.")
            return
        for group in groups:
            self.resid(group.find(q(MO11, "Label")), "short string", "Group Label")
            controls = list(group.iterfind(q(MO11, "Control")))
            if not controls:
                self.problem("Group: has no Control.")
            for control in controls:
                self.control(control)

    def control(self, control: ET.Element) -> None:
        where = f"Control {control.get('id')!r}"
        if self.xsi_type(control) != "Button" or not control.get("id"):
            self.problem(f"{where}: must be a Button with an id.")
        self.sequence(control, CONTROL, where)
        self.resid(control.find(q(MO11, "Label")), "short string", f"{where} Label")
        tip = control.find(q(MO11, "Supertip"))
        if tip is not None:
            self.resid(tip.find(q(MO11, "Title")), "short string", f"{where} Supertip Title")
            self.resid(tip.find(q(MO11, "Description")), "long string",
                       f"{where} Supertip Description")
        sizes = set()
        for image in control.iterfind(f"{q(MO11, 'Icon')}/{q(BT, 'Image')}"):
            size = int(image.get("size", "0"))
            if size not in BUTTON_SIZES:
                self.problem(f"{where}: icon size {size} is not one of {sorted(BUTTON_SIZES)}.")
            if size in sizes:
                self.problem(f"{where}: icon size {size} is given twice.")
            sizes.add(size)
            url = self.resid(image, "image", f"{where} icon {size}")
            if url is not None:
                self.icon(url, size, f"{where} icon {size}")
        missing = REQUIRED_BUTTON_SIZES - sizes
        if missing:
            self.problem(f"{where}: icon sizes {sorted(missing)} are required.")
        action = control.find(q(MO11, "Action"))
        if action is None or self.xsi_type(action) != "ShowTaskpane":
            self.problem(f"{where}: its Action must be ShowTaskpane.")
            return
        page = self.resid(action.find(q(MO11, "SourceLocation")), "url",
                          f"{where} SourceLocation")
        if page is not None and urlsplit(page).path != "/taskpane.html":
            self.problem(f"{where}: the task pane is /taskpane.html, not {page!r}.")

    def launch_event(self, point: ET.Element, runtime_page: str | None) -> None:
        events = list(point.iterfind(f"{q(MO11, 'LaunchEvents')}/{q(MO11, 'LaunchEvent')}"))
        sends = [e for e in events if e.get("Type") == "OnMessageSend"]
        if len(sends) != 1:
            self.problem("LaunchEvent: exactly one OnMessageSend event is allowed and needed.")
        else:
            event = sends[0]
            if event.get("FunctionName") != "onMessageSendHandler":
                self.problem("LaunchEvent: FunctionName must be onMessageSendHandler (the name "
                             "launchevent.js gives Office.actions.associate).")
            if event.get("SendMode") != "SoftBlock":
                self.problem("LaunchEvent: SendMode must be SoftBlock (send anyway when the "
                             "add-in is unavailable).")
        location = point.find(q(MO11, "SourceLocation"))
        self.resid(location, "url", "LaunchEvent SourceLocation")
        if location is not None and runtime_page is not None \
                and location.get("resid") != runtime_page:
            self.problem("LaunchEvent: its SourceLocation must name the Runtime's resid.")

    def web_application_info(self, info: ET.Element | None) -> None:
        if info is None:
            self.problem("VersionOverrides 1.1: WebApplicationInfo (single sign-on) is missing.")
            return
        self.sequence(info, WEB_APPLICATION_INFO, "WebApplicationInfo")
        client_id = (info.findtext(q(MO11, "Id")) or "").strip()
        resource = (info.findtext(q(MO11, "Resource")) or "").strip()
        if not GUID.match(client_id):
            self.problem("WebApplicationInfo: Id must be the app registration's client id.")
        if self.client_id is not None and client_id.lower() != self.client_id.lower():
            self.problem(f"WebApplicationInfo: Id {client_id!r} is not the configured client "
                         f"id {self.client_id!r}.")
        host = urlsplit(self.origin).netloc if self.origin else "<host>"
        expected = f"api://{host}/{client_id}"
        if resource != expected:
            self.problem(f"WebApplicationInfo: Resource {resource!r} must be {expected!r}.")
        scopes = [(s.text or "").strip() for s in info.iter(q(MO11, "Scope"))]
        if not scopes or not all(scopes):
            self.problem("WebApplicationInfo: Scopes must list at least one scope.")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return (0,)


def check_manifest(source: str | Path, *, assets: Path = ASSETS, client_id: str | None = None,
                   origin: str | None = None) -> list[str]:
    """Every problem found in the manifest (a path or the XML text); empty when it passes."""
    text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
    try:
        root = ET.fromstring(text)  # noqa: S314 - see the import
    except ET.ParseError as exc:
        return [f"The manifest is not well-formed XML: {exc}."]
    return Checker(root, assets=assets, client_id=client_id, origin=origin).run()


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--client-id", help="the client id the manifest must carry")
    parser.add_argument("--assets", type=Path, default=ASSETS, help="folder of the icons")
    args = parser.parse_args(list(argv) if argv is not None else None)
    problems = check_manifest(args.manifest, assets=args.assets, client_id=args.client_id)
    for problem in problems:
        print(problem)
    print(f"{args.manifest}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
