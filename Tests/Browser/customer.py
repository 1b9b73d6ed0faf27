#!/usr/bin/python3
"""A customer in headless Chromium, driven by Selenium (Debian's python3-selenium
and chromium-driver). Run by Tests/AppTests/Browser*.swift; prints one line per
step ("STEP ...", "TEXT ...", "BYTES ...") and exits non-zero with "FAIL ..." when
a bounded wait runs out. The browser is always quit, also on SIGTERM.

  customer.py allow LINK [--access view-only|controlled] [--visit PATH]... [--type ID=TEXT]... [--click ID]...
              [--see-hidden] [--screen SECONDS] [--stop] [--quality yes|no] [--survey STARS [--comment TEXT]] [--hold SECONDS]
  customer.py deny LINK
  customer.py open LINK              (prints the page's HTTP-visible text)
  customer.py livehelp PAGE --name NAME --email ADDR [--topic TEXT]
                                     (no session: presses "Get live help" and sends the form)
"""
import argparse, contextlib, importlib.util, os, shutil, signal, sys, tempfile, time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 20


def say(*parts):
    print(*parts, flush=True)


# The product's own Chromium driver (the demo's customer, embedded in the binary): one way to start the browser.
_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "chromium_customer", os.path.join(_here, "..", "..", "Sources", "Engine", "Web", "Assets", "customer", "chromium-customer.py"))
product = importlib.util.module_from_spec(_spec)
sys.dont_write_bytecode = True  # no __pycache__ among the assets the build embeds
_spec.loader.exec_module(product)


@contextlib.contextmanager
def chromium(log_frames=False):
    """A headless Chromium with a throw-away profile, quit and removed however the run ends (the product's own way)."""
    with product.running_browser(tempfile.mkdtemp(prefix="cobrowse-chromium-"), shutil.which("chromium") or "/usr/bin/chromium",
                                 shutil.which("chromedriver") or "/usr/bin/chromedriver", log_frames) as driver:
        yield driver


def wait(driver, what, predicate, timeout=WAIT):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: predicate(d))
    except Exception:
        say("FAIL timed out waiting for", what, "at", driver.current_url)
        say("PAGE", driver.find_element(By.TAG_NAME, "body").text.replace("\n", " | ")[:2000])
        raise SystemExit(2)


def consent(driver, link, allow, access="view-only"):
    driver.get(link)
    wait(driver, "the consent page", lambda d: d.find_element(By.ID, "allow").is_enabled())
    say("TEXT", driver.find_element(By.TAG_NAME, "h1").text)
    if access != "view-only":
        driver.find_element(By.CSS_SELECTOR, 'input[name="access"][value="%s"]' % access).click()
    driver.find_element(By.ID, "allow" if allow else "deny").click()


def shadow_nodes(driver):
    """Every element of the page, the SDK's closed shadow root included (CDP pierces it,
    page scripts cannot): [(nodeId, attributes dict, text of its text children)]."""
    doc = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1, "pierce": True})
    out, stack = [], [doc["root"]]
    while stack:
        n = stack.pop()
        attrs = n.get("attributes") or []
        text = "".join(c.get("nodeValue", "") for c in n.get("children") or [] if c.get("nodeType") == 3)
        out.append((n["nodeId"], dict(zip(attrs[::2], attrs[1::2])), text))
        stack.extend(n.get("children") or [])
        stack.extend(n.get("shadowRoots") or [])
    return out


def overlay_node(driver, cb):
    for node_id, attrs, _ in shadow_nodes(driver):
        if attrs.get("data-cb") == cb:
            return node_id
    return None


def overlay_text(driver):
    return " ".join(t for _, _, t in shadow_nodes(driver) if t.strip())


def press(driver, x, y):
    # A real mouse click at a point of the page, as a person would.
    for kind in ("mousePressed", "mouseReleased"):
        driver.execute_cdp_cmd("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})


def press_overlay(driver, cb):
    # A real mouse click where the overlay draws it, as a person would: the overlay is closed to page scripts.
    product.click_node(driver, wait(driver, "the overlay's " + cb, lambda d: overlay_node(d, cb)))


# Screen mode from a canvas stream (headless Chromium cannot capture a real screen):
# big solid colour blocks and a white square that moves every frame.
SCREEN_JS = """
var c = document.createElement('canvas'); c.width = 640; c.height = 360;
var g = c.getContext('2d'), t = 0;
function paint() {
  var blocks = [['#1f6feb', 0, 0], ['#f85149', 320, 0], ['#3fb950', 0, 180], ['#d29922', 320, 180]];
  blocks.forEach(function (b) { g.fillStyle = b[0]; g.fillRect(b[1], b[2], 320, 180); });
  g.fillStyle = '#ffffff'; g.fillRect(40 + (t * 37) % 520, 140, 80, 80); t++;
}
paint();
window.__screenTest = { stream: c.captureStream(5), timer: setInterval(paint, 200) };
return window.__cobrowse.shareScreen(window.__screenTest.stream);
"""


def screen_mode(driver, seconds):
    if not driver.execute_script(SCREEN_JS):
        say("FAIL the SDK refused to offer screen mode")
        raise SystemExit(2)
    wait(driver, "the screen-mode consent", lambda d: "including other apps and notifications" in overlay_text(d))
    say("TEXT", [t for _, _, t in shadow_nodes(driver) if "including other apps" in t][0])
    press_overlay(driver, "answer-yes")
    wait(driver, "screen mode", lambda d: d.execute_script("return window.__cobrowse.mode()") == "screen")
    say("STEP screen mode")
    deadline = time.time() + seconds
    while time.time() < deadline:
        time.sleep(0.5)
    # What the browser's own "Stop sharing" does: the track ends.
    driver.execute_script("clearInterval(window.__screenTest.timer); window.__screenTest.stream.getTracks().forEach(function (t) { t.stop(); });")
    wait(driver, "page mode again", lambda d: d.execute_script("return window.__cobrowse.mode()") == "page")
    say("STEP page mode again")


def type_into(driver, cb, text):
    # The form is in the SDK's closed shadow root: a real click to focus, then real key input.
    press_overlay(driver, cb)
    driver.execute_cdp_cmd("Input.insertText", {"text": text})


def live_help(driver, page, name, email, topic):
    driver.get(page)
    wait(driver, "the page", lambda d: d.execute_script("return document.readyState") == "complete")
    if sdk_joined(driver):
        say("FAIL the SDK joined a session on a page opened without a link")
        raise SystemExit(2)
    press_overlay(driver, "live-help")
    say("TEXT", overlay_text(driver))
    type_into(driver, "live-help-name", name)
    type_into(driver, "live-help-email", email)
    if topic:
        type_into(driver, "live-help-topic", topic)
    press_overlay(driver, "live-help-send")
    wait(driver, "the answer", lambda d: any(a.get("data-cb") == "live-help-status" and t.strip() and "Sending" not in t
                                             for _, a, t in shadow_nodes(d)))
    say("STATUS", [t for _, a, t in shadow_nodes(driver) if a.get("data-cb") == "live-help-status"][0])
    say("STEP done")


def sdk_joined(driver):
    return driver.execute_script("return !!(window.__cobrowse)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=["allow", "deny", "open", "livehelp"])
    ap.add_argument("link")
    ap.add_argument("--access", default="view-only")
    class Step(argparse.Action):  # keeps --visit and --type in command-line order
        def __call__(self, parser, ns, value, option=None):
            ns.steps = (ns.steps or []) + [(self.dest, value)]
    ap.add_argument("--visit", dest="visit", action=Step)
    ap.add_argument("--type", dest="type", action=Step)
    ap.add_argument("--click", dest="click", action=Step, help="click the page element with this id")
    ap.add_argument("--quality", choices=["yes", "no"], help="wait for the agent's quality check and answer it")
    ap.add_argument("--survey", type=int, help="wait for the end-of-session survey and give this many stars")
    ap.add_argument("--comment", default="")
    ap.add_argument("--pause", type=float, default=2.0, help="seconds after each step, so a watcher sees it")
    ap.add_argument("--hold", type=float, default=0)
    ap.add_argument("--screen", type=float, help="share a canvas stream in screen mode for this many seconds, then end its track")
    ap.add_argument("--stop", action="store_true", help="press the overlay's Stop sharing at the end")
    ap.add_argument("--see-hidden", action="store_true", help="press the overlay's \"What can the agent see?\" and print the outlined areas")
    ap.add_argument("--name", default="")
    ap.add_argument("--email", default="")
    ap.add_argument("--topic", default="")
    ap.set_defaults(steps=[])
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    with chromium() as driver:
        if args.action == "open":
            driver.get(args.link)
            say("TITLE", driver.title)
            say("TEXT", driver.find_element(By.TAG_NAME, "body").text.replace("\n", " | "))
            return
        if args.action == "livehelp":
            live_help(driver, args.link, args.name, args.email, args.topic)
            return
        consent(driver, args.link, args.action != "deny", args.access)
        if args.action == "deny":
            wait(driver, "the declined message", lambda d: "declined" in d.find_element(By.ID, "status").text)
            say("STEP denied", driver.find_element(By.ID, "status").text)
            time.sleep(1)
            return
        wait(driver, "the landing page", lambda d: "/join/" not in d.current_url and d.execute_script("return document.readyState") == "complete")
        wait(driver, "the SDK to join", sdk_joined)
        say("STEP landed", driver.current_url, "|", driver.title)
        if "cobrowse=" in driver.current_url:
            say("FAIL the resume key stayed in the address bar")
            raise SystemExit(2)
        time.sleep(args.pause)
        for kind, value in args.steps:
            if kind == "visit":
                path = value
                if path.startswith("click:"):
                    driver.find_element(By.LINK_TEXT, path[len("click:"):]).click()
                else:
                    driver.get(path if "://" in path else driver.current_url.split("/demo")[0] + path)
                wait(driver, "the SDK on " + path, lambda d: d.execute_script("return document.readyState") == "complete" and sdk_joined(d))
                say("STEP visited", driver.current_url, "|", driver.title)
            elif kind == "click":
                driver.find_element(By.ID, value).click()
                say("STEP clicked", value)
            else:
                field, text = value.split("=", 1)
                el = driver.find_element(By.ID, field)
                el.clear()
                el.send_keys(text)
                say("STEP typed", field)
            time.sleep(args.pause)
        if args.see_hidden:
            # As a person would: press, and press again if nothing showed (the bar may have moved under the pointer).
            for attempt in range(3):
                if attempt < 2:
                    press_overlay(driver, "what-agent-sees")
                else:
                    # Last, the button's own click, through the DevTools protocol: the layout cannot be in the way.
                    node = driver.execute_cdp_cmd("DOM.resolveNode", {"nodeId": overlay_node(driver, "what-agent-sees")})
                    driver.execute_cdp_cmd("Runtime.callFunctionOn", {"objectId": node["object"]["objectId"],
                                                                      "functionDeclaration": "function () { this.click(); }"})
                try:
                    WebDriverWait(driver, 4, poll_frequency=0.1).until(lambda d: overlay_node(d, "hidden-area"))
                    break
                except Exception:
                    say("STEP pressed again (no outlines yet)", overlay_text(driver)[:300])
            wait(driver, "the outlined areas", lambda d: overlay_node(d, "hidden-area"))
            nodes = shadow_nodes(driver)
            tags = [t for _, a, t in nodes if a.get("class") == "hiddentag"]
            say("HIDDEN", len([1 for _, a, _ in nodes if a.get("data-cb") == "hidden-area"]), "|", " | ".join(tags))
            say("TEXT", " ".join(t for _, a, t in nodes if t.strip() and "hidden from" in t))
        if args.screen:
            screen_mode(driver, args.screen)
        if args.quality:
            wait(driver, "the quality question", lambda d: "Is the screen quality okay for you?" in overlay_text(d), timeout=60)
            press_overlay(driver, "answer-" + args.quality)
            say("STEP answered quality", args.quality)
        if args.stop:
            # The overlay's shadow root is closed to page scripts; press its button like a person would,
            # with a real mouse click where the bar draws "Stop sharing" (found through the DevTools protocol).
            press_overlay(driver, "stop")
            say("STEP stopped sharing")
        if args.survey:
            wait(driver, "the survey", lambda d: overlay_node(d, "star-%d" % args.survey), timeout=60)
            say("STEP survey shown", overlay_text(driver))
            press_overlay(driver, "star-%d" % args.survey)
            if args.comment:
                press_overlay(driver, "comment")
                driver.execute_cdp_cmd("Input.insertText", {"text": args.comment})
            press_overlay(driver, "survey-send")
            wait(driver, "the thank-you", lambda d: "Thank you for your feedback." in overlay_text(d))
            say("STEP rated", args.survey)
        deadline = time.time() + args.hold
        while time.time() < deadline:
            time.sleep(0.5)
        sent = driver.execute_script("return window.__cobrowse && window.__cobrowse.bytesSent ? window.__cobrowse.bytesSent() : -1")
        say("BYTES", sent)
        say("STEP done")


if __name__ == "__main__":
    main()
