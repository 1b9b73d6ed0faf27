#!/usr/bin/python3
"""The cobrowse demo's customer in headless Chromium (written by `cobrowse demo`).

  chromium-customer.py LINK [--record] [--pause SECONDS] [--rounds N]
                        [--chromium PATH] [--chromedriver PATH] [--profile DIR]

Opens the one-time link, allows (controlled: the agent may act with each action
approved; also recording with --record), then walks the demo site: account
(types a company name), API keys, billing (types into the card fields, which
the SDK masks), SSO setup, integrations; again and again (or N rounds).

On each page it answers what the agent asks through the SDK's overlay, as a
cooperative customer would: a control mode, a screenshot, more minutes and the
quality check are allowed; each action is allowed after a moment, except the
second, which is denied. While the agent works on a page (a request, a mark,
their pointer) it stays there, up to a few minutes, then walks on.
One line per step; the browser is always quit, also on SIGTERM and when the
demo that started it dies.
"""
import argparse, contextlib, ctypes, os, shutil, signal, sys, tempfile, time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 30


def say(*parts):
    print("chromium-customer:", *parts, flush=True)


def die_with_parent():
    # PR_SET_PDEATHSIG: SIGTERM when `cobrowse demo` goes, however it goes.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass


def browser(profile, chromium, chromedriver, log_frames=False):
    """Headless Chromium as every customer in the demo and the tests runs it (Tests/Browser loads this file).
    log_frames: keep what the page sends over its WebSocket (Network.webSocketFrameSent) in the performance log."""
    opts = webdriver.ChromeOptions()
    if log_frames:
        opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--ignore-certificate-errors", "--window-size=1280,800", "--no-first-run",
              "--disable-extensions", "--user-data-dir=" + profile):
        opts.add_argument(a)
    opts.binary_location = chromium
    service = Service(executable_path=chromedriver)
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    return driver


@contextlib.contextmanager
def running_browser(profile, chromium, chromedriver, log_frames=False):
    """browser() for the length of a with-block: quit and its profile removed however the run ends
    (an error, SIGTERM turned into SystemExit); the tests' drivers use this too."""
    driver = None
    try:
        driver = browser(profile, chromium, chromedriver, log_frames)
        yield driver
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver, what, predicate, timeout=WAIT):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: predicate(d))
    except Exception:
        say("FAIL timed out waiting for", what)
        raise SystemExit(2)


def slowly(driver, field, text, pause):
    el = driver.find_element(By.ID, field)
    el.click()
    el.clear()
    for ch in text:
        el.send_keys(ch)
        time.sleep(min(0.12, pause / 10))


def visit(driver, base, path, title):
    driver.get(base + path)
    wait(driver, "the " + title + " page", lambda d: d.execute_script("return document.readyState") == "complete"
         and d.execute_script("return !!window.__cobrowse"))
    say("on", title)


# Seconds a question stays on screen before the customer answers (a person reads first).
MOMENT = 1.2
# How long the customer stays on a page after the agent last did something there, and at most.
LINGER = 20
LONGEST_STAY = 180


def overlay_nodes(driver):
    """The SDK's overlay, closed shadow root included (CDP pierces it; page scripts cannot):
    [(nodeId, nodeName, attributes)], with each node's parent and its own text."""
    doc = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1, "pierce": True})
    out, stack, parents, texts, children = [], [doc["root"]], {}, {}, {}
    while stack:
        n = stack.pop()
        attrs = n.get("attributes") or []
        out.append((n["nodeId"], n.get("nodeName", ""), dict(zip(attrs[::2], attrs[1::2]))))
        kids = (n.get("children") or []) + (n.get("shadowRoots") or [])
        children[n["nodeId"]] = [k["nodeId"] for k in kids]
        for k in kids:
            parents[k["nodeId"]] = n["nodeId"]
            if k.get("nodeType") == 3:
                texts[k["nodeId"]] = k.get("nodeValue", "")
        stack.extend(kids)
    return out, parents, texts, children


def panel_text(tree, node_id):
    """The words of the overlay panel holding a button (the question the agent asked)."""
    _, parents, texts, children = tree
    panel = parents.get(parents.get(node_id))
    words, stack = [], [panel] if panel else []
    while stack:
        n = stack.pop()
        if n in texts:
            words.append(texts[n])
        stack.extend(reversed(children.get(n, [])))
    return " ".join(" ".join(words).split())


def click_node(driver, node_id):
    # A real mouse click, as a person would: the overlay is closed to page scripts.
    quad = driver.execute_cdp_cmd("DOM.getBoxModel", {"nodeId": node_id})["model"]["content"]
    x, y = sum(quad[0::2]) / 4, sum(quad[1::2]) / 4
    for kind in ("mousePressed", "mouseReleased"):
        driver.execute_cdp_cmd("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})


def question_kind(text):
    t = text.lower()
    if "quality" in t:
        return "the quality check", "Yes"
    if "screenshot" in t:
        return "a screenshot", "Allow"
    if "more minutes" in t:
        return "more time", "Allow"
    return "a control mode", "Allow"


class Customer:
    """Answers the agent through the overlay and decides how long to stay on a page."""

    def __init__(self, driver):
        self.driver = driver
        self.first_seen = {}
        self.actions = 0

    def answer(self):
        """Answers what has waited a moment; True when the agent did something on this page."""
        try:
            tree = overlay_nodes(self.driver)
            nodes = tree[0]
        except Exception as e:
            say("could not read the overlay:", type(e).__name__)
            return False
        now = time.time()
        busy = any(attrs.get("data-tool") for _, _, attrs in nodes)
        # CDP numbers nodes afresh on every read: a question is known by its kind and place.
        prompts = [(node_id, attrs.get("data-cb"), i) for i, (node_id, _, attrs) in enumerate(
            [n for n in nodes if n[2].get("data-cb") in ("answer-yes", "action-allow")])]
        keys = set((cb, i) for _, cb, i in prompts)
        self.first_seen = {k: v for k, v in self.first_seen.items() if k in keys}
        for node_id, cb, i in prompts[:1]:
            busy = True
            seen = self.first_seen.setdefault((cb, i), now)
            if now - seen < MOMENT:
                continue
            try:
                if cb == "answer-yes":
                    what, label = question_kind(panel_text(tree, node_id))
                    click_node(self.driver, node_id)
                    say("answered", what + ":", label)
                else:
                    self.actions += 1
                    deny = self.actions == 2
                    target = node_id
                    if deny:
                        target = next((n for n, _, a in nodes if a.get("data-cb") == "action-deny"), node_id)
                    click_node(self.driver, target)
                    say("denied the agent's action" if deny else "allowed the agent's action")
            except Exception as e:
                say("could not answer:", type(e).__name__)
            self.first_seen.pop((cb, i), None)
        return busy

    def stay(self, seconds):
        """On the page for `seconds`, answering; longer while the agent works here."""
        start = time.time()
        until = start + seconds
        while time.time() < until:
            if self.answer():
                until = max(until, min(start + LONGEST_STAY, time.time() + LINGER))
            time.sleep(0.3)


def card_number():
    # The payment networks' test card, built here so no card number sits in any file or log.
    return " ".join(["4242"] * 4)


def walk(driver, base, pause, customer):
    visit(driver, base, "/demo/", "Account")
    customer.stay(pause)
    slowly(driver, "company", "Northwind Traders GmbH", pause)
    say("typed the company name")
    customer.stay(pause)
    visit(driver, base, "/demo/api-keys", "API keys")
    driver.execute_script("window.scrollTo(0, 120)")
    customer.stay(pause)
    visit(driver, base, "/demo/billing", "Billing")
    customer.stay(pause)
    slowly(driver, "cc-number", card_number(), pause)
    slowly(driver, "cc-exp", "08/29", pause)
    slowly(driver, "cvc", "737", pause)
    say("typed into the card fields (masked by the SDK)")
    customer.stay(pause)
    visit(driver, base, "/demo/sso", "SSO setup")
    customer.stay(pause)
    visit(driver, base, "/demo/integrations", "Integrations")
    customer.stay(pause)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("link")
    ap.add_argument("--record", action="store_true", help="agree to recording when the session asks")
    ap.add_argument("--pause", type=float, default=2.5, help="seconds on each step, so a person can follow")
    ap.add_argument("--rounds", type=int, default=0, help="walks of the site (0: until stopped)")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    ap.add_argument("--profile", help="Chromium's profile directory (default: a new temporary one)")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(3))
    die_with_parent()
    profile = args.profile or tempfile.mkdtemp(prefix="cobrowse-demo-chromium-")
    os.makedirs(profile, mode=0o700, exist_ok=True)
    with running_browser(profile, args.chromium, args.chromedriver) as driver:
        say("started headless Chromium")
        driver.get(args.link)
        wait(driver, "the consent page", lambda d: d.find_element(By.ID, "allow").is_enabled())
        time.sleep(min(args.pause, 1.5))
        boxes = driver.find_elements(By.ID, "record")
        if boxes and args.record and not boxes[0].is_selected():
            boxes[0].click()
            say("agreed to recording")
        controlled = driver.find_elements(By.CSS_SELECTOR, 'input[name="access"][value="controlled"]')
        if controlled:
            controlled[0].click()
        driver.find_element(By.ID, "allow").click()
        say("allowed the agent to view" + (", and to act with my approval" if controlled else ""))
        wait(driver, "the landing page", lambda d: "/join/" not in d.current_url
             and d.execute_script("return document.readyState") == "complete")
        base = driver.current_url.split("/demo")[0]
        customer = Customer(driver)
        n = 0
        while args.rounds == 0 or n < args.rounds:
            walk(driver, base, args.pause, customer)
            n += 1
        say("walk done")
        while True:
            customer.stay(60)


if __name__ == "__main__":
    main()
