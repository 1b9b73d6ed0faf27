#!/usr/bin/python3
"""Mirror mode in headless Chromium: the agent shows the customer a page from the
agent's own browser. Run by Tests/AppTests/BrowserMirrorTests.swift, which plays
the agent's console over the engine's socket (start-presenting, stop-presenting);
this side plays either browser and prints "STEP ...", "TEXT ..." lines, or
"FAIL ..." and a non-zero exit when a bounded wait runs out or a check does not
hold. The browser is always quit.

  mirror.py customer LINK            consent (view only), wait for the offer in the overlay, go to the
                                     demo's integrations page (the offer stays), press Open,
                                     read the mirror viewer page in the new tab, then wait until it says
                                     the agent stopped (and the overlay on the customer's page says so too)
  mirror.py agent PRESENTER_LINK PATH [--stop-here FILE]
                                     open the presenter link, show PATH, check the overlay is the
                                     presenter's, open the same link again in a second tab (used), then
                                     wait for the stop (from the console, or with --stop-here: press the
                                     overlay's Stop showing once FILE exists) and check that the tab
                                     does not reconnect
"""
import json, os, signal, sys, time

from selenium.webdriver.common.by import By

from customer import chromium, consent, overlay_node, overlay_text, press_overlay, say, sdk_joined, shadow_nodes, wait


def fail(*parts):
    say("FAIL", *parts)
    raise SystemExit(2)


def body_text(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def customer(driver, link):
    consent(driver, link, True)
    wait(driver, "the landing page", lambda d: "/join/" not in d.current_url and d.execute_script("return document.readyState") == "complete")
    wait(driver, "the SDK to join", sdk_joined)
    say("STEP landed", driver.current_url)
    own = driver.current_window_handle
    offer = wait(driver, "the offer to watch the agent's page",
                 lambda d: [t for _, a, t in shadow_nodes(d) if "wants to show you a page" in t], timeout=90)
    say("OFFER", offer[0])
    # The offer outlives a navigation on the customer's site (the one-time link is kept until used or stopped).
    driver.get(driver.current_url.split("/demo")[0] + "/demo/integrations")
    wait(driver, "the SDK on the next page", lambda d: d.execute_script("return document.readyState") == "complete" and sdk_joined(d))
    wait(driver, "the offer on the next page", lambda d: overlay_node(d, "mirror-open"), timeout=30)
    say("STEP offer kept on", driver.current_url)
    before = set(driver.window_handles)
    press_overlay(driver, "mirror-open")
    tab = wait(driver, "the mirror tab", lambda d: (set(d.window_handles) - before or {None}).pop())
    # The one-time link is spent: the Open button is gone from the customer's overlay.
    wait(driver, "the Open button to go", lambda d: overlay_node(d, "mirror-open") is None)
    say("STEP opened", " ".join(t for _, a, t in shadow_nodes(driver) if "open in a new tab" in t))
    driver.switch_to.window(tab)
    wait(driver, "the agent's page in the mirror", lambda d: "Keys give full access" in d.find_element(By.ID, "screen").text, timeout=30)
    say("URL", driver.current_url.split("/view/")[0] + "/view/…")
    say("HEADING", driver.find_element(By.TAG_NAME, "h1").text)
    say("INTRO", driver.find_element(By.ID, "invite").text)
    say("STATE", driver.find_element(By.ID, "state").text)
    say("SCREEN", driver.find_element(By.ID, "screen").text.replace("\n", " | ")[:3000])
    say("PAGE", driver.find_element(By.ID, "page-title").text, driver.find_element(By.ID, "page-url").text)
    say("STEP mirror shown")
    stopped = wait(driver, "the stop in the mirror tab", lambda d: "stopped showing" in d.find_element(By.ID, "status").text and
                   d.find_element(By.ID, "status").text, timeout=90)
    say("MIRROR-STOPPED", stopped)
    say("DRAWN-AFTER", json.dumps(driver.execute_script("return document.querySelectorAll('#screen .n').length")),
        "session-hidden" if not driver.find_element(By.ID, "session").is_displayed() else "session-shown")
    driver.switch_to.window(own)
    notice = wait(driver, "the stop in the customer's overlay",
                  lambda d: [t for _, a, t in shadow_nodes(d) if "stopped showing the page" in t], timeout=20)
    say("NOTICE", notice[0])
    if overlay_node(driver, "mirror-offer") is not None:
        fail("the offer stayed after the stop")
    say("STEP done")


# Counts the WebSockets the page opens (installed before any of its scripts runs).
COUNT_SOCKETS = """
(function () {
  var W = window.WebSocket;
  window.__sockets = 0;
  function Counted(url, protocols) { window.__sockets++; return protocols === undefined ? new W(url) : new W(url, protocols); }
  Counted.prototype = W.prototype;
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (k) { Counted[k] = W[k]; });
  window.WebSocket = Counted;
})();
"""

CUSTOMER_TEXTS = ("Sharing this page with", "Waiting for your consent", "View only", "How was your support session", "Share screen", "Stop sharing")


def agent(driver, link, path):
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": COUNT_SOCKETS})
    driver.get(link)
    wait(driver, "the presenter page", lambda d: d.find_element(By.ID, "start").is_enabled())
    say("TEXT", driver.find_element(By.TAG_NAME, "h1").text)
    url = driver.find_element(By.ID, "url")
    url.clear()
    url.send_keys(path)
    driver.find_element(By.ID, "start").click()
    wait(driver, "the shown page", lambda d: path in d.current_url and d.execute_script("return document.readyState") == "complete" and sdk_joined(d))
    if "cobrowse=" in driver.current_url:
        fail("the key stayed in the address bar")
    say("STEP landed", driver.current_url)
    wait(driver, "the presenter's overlay", lambda d: "You are showing this page to the customer" in overlay_text(d), timeout=30)
    texts = " | ".join(overlay_texts(driver))
    shown = [t for t in CUSTOMER_TEXTS if t in texts]
    if shown:
        fail("customer texts on the agent's tab:", shown, "in", texts)
    say("OVERLAY", texts)
    say("STEP showing")

    # The presenter link worked once: a second tab gets the used-link page.
    showing = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(link)
    say("REUSED", body_text(driver).replace("\n", " | "))
    driver.close()
    driver.switch_to.window(showing)

    # Stop from the console (the test) or here: the overlay says so, and the tab stays disconnected.
    if "--stop-here" in sys.argv:
        # The test says when (the customer is watching by then) by creating this file.
        go = sys.argv[sys.argv.index("--stop-here") + 1]
        deadline = time.time() + 90
        while not os.path.exists(go):
            if time.time() > deadline:
                fail("no signal to press Stop showing")
            time.sleep(0.2)
        press_overlay(driver, "stop")
        say("STEP pressed Stop showing")
    wait(driver, "the stop", lambda d: "You stopped showing this page." in overlay_text(d), timeout=90)
    opened = driver.execute_script("return window.__sockets")
    say("STOPPED", " | ".join(overlay_texts(driver)))
    time.sleep(5)   # the SDK's first reconnect would come after 0.5 s
    later = driver.execute_script("return window.__sockets")
    say("SOCKETS", opened, later)
    if later != opened:
        fail("the agent's tab reconnected after the stop")
    if "You are showing this page" in overlay_text(driver):
        fail("the overlay still says the page is shown")
    say("STEP done")


def overlay_texts(driver):
    """The texts the SDK's overlay shows (inside its closed shadow root, pierced by CDP), in document order,
    without those of hidden elements; the page's own texts are not included."""
    doc = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1, "pierce": True})
    out = []

    def walk(n, inside):
        inside = inside or n.get("nodeName") == "COBROWSE-OVERLAY"
        if inside and n.get("nodeType") == 1 and not visible(driver, n["nodeId"]):
            return
        if inside and n.get("nodeType") == 3 and n.get("nodeValue", "").strip():
            out.append(n["nodeValue"].strip())
        for c in (n.get("shadowRoots") or []) + (n.get("children") or []):
            walk(c, inside)

    walk(doc["root"], False)
    return out


def visible(driver, node_id):
    try:
        driver.execute_cdp_cmd("DOM.getBoxModel", {"nodeId": node_id})
        return True
    except Exception:
        return False


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("customer", "agent") or (sys.argv[1] == "agent" and len(sys.argv) < 4):
        say(__doc__)
        raise SystemExit(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    with chromium() as driver:
        if sys.argv[1] == "customer":
            customer(driver, sys.argv[2])
        else:
            agent(driver, sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
