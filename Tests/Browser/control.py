#!/usr/bin/python3
"""Issue 4 in headless Chromium: the agent's marks on the customer's page, actions
the customer allows or denies, and the viewer page. Run by
Tests/AppTests/BrowserControlTests.swift, which plays the agent over the engine's
socket; this side plays the customer (or a viewer) and prints "STEP ...",
"CHECK ...", "STATE ..." lines, or "FAIL ..." and a non-zero exit when a bounded
wait runs out or a check does not hold. The browser is always quit.

  control.py marks LINK                 consent (controlled), accept Guided, then check that mark a1
                                        (a circle on #company) and the agent's pointer (on Save settings)
                                        sit on their elements, before and after scrolling and a resize;
                                        then allow the agent's screenshot and step down to View only
  control.py actions LINK ANSWER...     consent (controlled), accept Controlled, then answer each action
                                        prompt in turn: allow | deny | ignore | mask-allow (the page marks
                                        #company private just as the customer presses Allow), or
                                        visit:PATH (go to another page of the demo site)
  control.py guided LINK SECONDS        consent (controlled), accept Guided, stay SECONDS on the page
  control.py viewer LINK                open a viewer link twice (two tabs), join in the first, check
                                        the customer's page is drawn, then press Join in the second
                                        (its link is used by then) and print the refusal it shows;
                                        with --control: wait for control, point, give it back

The overlay's shadow root is closed to page scripts; the DevTools protocol
pierces it (customer.shadow_nodes), and the overlay's buttons are pressed with
real mouse events, like a person would.
"""
import json, signal, sys, time

from selenium.webdriver.common.by import By

from customer import WAIT, chromium, consent, overlay_node, overlay_text, press, press_overlay, say, sdk_joined, shadow_nodes, wait


def fail(*parts):
    say("FAIL", *parts)
    raise SystemExit(2)


def land(driver, link, access="controlled"):
    consent(driver, link, True, access)
    wait(driver, "the landing page", lambda d: "/join/" not in d.current_url and d.execute_script("return document.readyState") == "complete")
    wait(driver, "the SDK to join", sdk_joined)
    say("STEP landed", driver.current_url)


def accept_mode(driver, phrase):
    wait(driver, "the mode question", lambda d: phrase in overlay_text(d), timeout=60)
    press_overlay(driver, "answer-yes")
    wait(driver, "the View only button", lambda d: visible(d, "view-only"))
    say("STEP mode accepted")


def visible(driver, cb):
    node = overlay_node(driver, cb)
    if not node:
        return False
    try:
        driver.execute_cdp_cmd("DOM.getBoxModel", {"nodeId": node})
        return True
    except Exception:
        return False


def mark_box(driver, mark):
    """The drawn box of the overlay element carrying data-mark-id=mark, in viewport px, or None."""
    for node_id, attrs, _ in shadow_nodes(driver):
        if attrs.get("data-mark-id") == mark:
            try:
                q = driver.execute_cdp_cmd("DOM.getBoxModel", {"nodeId": node_id})["model"]["border"]
            except Exception:
                return None
            return {"left": min(q[0::2]), "top": min(q[1::2]), "right": max(q[0::2]), "bottom": max(q[1::2])}
    return None


# What is under a point of the viewport (the overlay takes no pointer events, so
# elementFromPoint sees through it), and where an element is now.
UNDER = """var e = document.elementFromPoint(arguments[0], arguments[1]);
if (!e) return null;
var b = e.closest('button');
return b ? 'button:' + b.textContent.trim() : (e.id || e.tagName.toLowerCase());"""
RECT = "var r = document.querySelector(arguments[0]).getBoundingClientRect(); return {left: r.left, top: r.top, width: r.width, height: r.height};"


def marks(driver, link):
    land(driver, link)
    # A page long enough to scroll (the SDK reports the change like any other).
    driver.execute_script("var s = document.createElement('div'); s.id = 'spacer'; s.style.height = '1600px'; document.body.appendChild(s);")
    accept_mode(driver, "guide you with pointers")

    def placed(d):
        a1, ptr = mark_box(d, "a1"), mark_box(d, "pointer")
        if not a1 or not ptr:
            return None
        r = d.execute_script(RECT, "#company")
        want = {"left": r["left"] + 0.2 * r["width"], "top": r["top"] + 0.2 * r["height"],
                "right": r["left"] + 0.8 * r["width"], "bottom": r["top"] + 0.8 * r["height"]}
        if any(abs(a1[k] - want[k]) > 3.5 for k in want):   # stroke width and rounding
            return None
        cx, cy = (a1["left"] + a1["right"]) / 2, (a1["top"] + a1["bottom"]) / 2
        px, py = (ptr["left"] + ptr["right"]) / 2, (ptr["top"] + ptr["bottom"]) / 2
        under, under_ptr = d.execute_script(UNDER, cx, cy), d.execute_script(UNDER, px, py)
        if under != "company" or under_ptr != "button:Save settings":
            return None
        return {"cx": cx, "cy": cy, "under": under, "px": px, "py": py, "under_ptr": under_ptr, "width": a1["right"] - a1["left"], "field": r["width"]}

    def check(label):
        got = wait(driver, "the marks on their elements (" + label + ")", placed, timeout=30)
        say("CHECK", label, "a1 at %.0f,%.0f on #%s width %.0f of field %.0f; pointer at %.0f,%.0f on %s" %
            (got["cx"], got["cy"], got["under"], got["width"], got["field"], got["px"], got["py"], got["under_ptr"]))
        return got

    top = check("top")
    label = [t for _, a, t in shadow_nodes(driver) if a.get("data-mark-id") == "a2"]
    say("LABEL", label[0] if label else "(none)")
    say("PARTICIPANTS", " ".join(t for _, a, t in shadow_nodes(driver) if a.get("data-cb") == "participants"))
    driver.execute_script("window.scrollBy(0, 240)")
    scrolled = check("scrolled")
    if not (200 < top["cy"] - scrolled["cy"] < 280):
        fail("the circle did not move with the page: %.0f -> %.0f" % (top["cy"], scrolled["cy"]))
    driver.set_window_size(640, 900)
    wait(driver, "the narrower layout", lambda d: d.execute_script(RECT, "#company")["width"] < top["field"] - 20)
    resized = check("resized")
    if abs(resized["width"] - 0.6 * resized["field"]) > 4:
        fail("the circle did not follow the field's new width: %.0f for a %.0f px field" % (resized["width"], resized["field"]))
    # The agent asks for a screenshot; the customer allows it in the overlay.
    asked = wait(driver, "the screenshot question", lambda d: [t for _, a, t in shadow_nodes(d) if "save a screenshot" in t], timeout=30)
    say("ASKED", asked[0])
    press_overlay(driver, "answer-yes")
    say("STEP screenshot allowed")
    # The customer steps down on their own: the marks go away with Guided.
    press_overlay(driver, "view-only")
    wait(driver, "the marks to go", lambda d: mark_box(d, "a1") is None and mark_box(d, "pointer") is None, timeout=15)
    wait(driver, "the View only button to go", lambda d: not visible(d, "view-only"))
    say("STEP stepped down, marks gone")
    say("STEP done")


# The page's own handlers: "Save settings" shows a saved banner, the company
# field logs what its input listener saw.
PAGE_HANDLERS = """
window.__saves = 0; window.__inputs = [];
var b = Array.prototype.find.call(document.querySelectorAll('button'), function (x) { return x.textContent.trim() === 'Save settings'; });
b.addEventListener('click', function () {
  window.__saves += 1;
  var p = document.getElementById('saved') || document.createElement('p');
  p.id = 'saved'; p.textContent = 'Settings saved (' + window.__saves + ')';
  // A banner in view that moves nothing else on the page.
  p.style.position = 'fixed'; p.style.top = '64px'; p.style.right = '24px'; p.style.margin = '0';
  p.style.background = '#e6f4ea'; p.style.padding = '8px 12px';
  document.body.appendChild(p);
});
document.getElementById('company').addEventListener('input', function (e) { window.__inputs.push(e.target.value); });
"""

# Just as the customer presses Allow (the click reaches the overlay's host first,
# in the capture phase), the page marks the company field private: the engine
# allowed the action on the scene it had, the SDK must refuse it on the page it has.
MASK_ON_ALLOW = """
window.addEventListener('click', function once(e) {
  if (e.target && e.target.tagName === 'COBROWSE-OVERLAY') {
    document.getElementById('company').setAttribute('data-cobrowse-mask', '');
    window.removeEventListener('click', once, true);
  }
}, true);
"""


def state(driver):
    s = driver.execute_script("return {saves: window.__saves, inputs: window.__inputs, company: document.getElementById('company').value,"
                              " saved: (document.getElementById('saved') || {}).textContent || '', scrolled: scrollY > 0}")
    say("STATE", json.dumps(s, sort_keys=True))


def prompt_id(driver):
    """The action id of the prompt on screen, or None."""
    for _, attrs, _ in shadow_nodes(driver):
        if attrs.get("data-cb") == "action-request":
            return attrs.get("data-action-id")
    return None


def actions(driver, link, answers):
    land(driver, link)
    driver.execute_script(PAGE_HANDLERS)
    accept_mode(driver, "click and type on this page")
    handled = set()
    for i, answer in enumerate(answers):
        if answer.startswith("visit:"):
            driver.get(driver.current_url.split("/demo")[0] + answer[len("visit:"):])
            wait(driver, "the SDK on " + answer, lambda d: d.execute_script("return document.readyState") == "complete" and sdk_joined(d))
            # The mode the customer accepted carries over to the site's next page: View only is still offered.
            wait(driver, "the View only button on the new page", lambda d: visible(d, "view-only"))
            say("STEP visited", driver.current_url)
            continue
        # A prompt for an action not handled yet (a lapsed one may linger a moment after the engine moved on).
        action = wait(driver, "action prompt %d" % (i + 1), lambda d: (lambda a: a if a and a not in handled else None)(prompt_id(d)), timeout=60)
        handled.add(action)
        text = overlay_text(driver)
        preview = [t for _, a, t in shadow_nodes(driver) if t.strip() and ("wants to" in t)]
        bold = [t for n, a, t in shadow_nodes(driver) if t.strip() and t.strip() in ("Save settings", "Company name")]
        say("PROMPT", i + 1, (preview[0].strip() if preview else "") + " *" + (bold[0] if bold else "") + "*",
            "| countdown" if "counts as Deny" in text else "| no countdown")
        if answer == "allow":
            press_overlay(driver, "action-allow")
        elif answer == "deny":
            press_overlay(driver, "action-deny")
        elif answer == "mask-allow":
            driver.execute_script(MASK_ON_ALLOW)
            press_overlay(driver, "action-allow")
        elif answer == "ignore":
            started = time.time()
            wait(driver, "the prompt to lapse", lambda d: prompt_id(d) != action, timeout=40)
            say("STEP prompt lapsed after %.0f s" % (time.time() - started))
        else:
            fail("unknown answer", answer)
        say("STEP answered", i + 1, answer)
        time.sleep(1.5)   # the action (if any) reaches the page
        if answer in ("allow", "mask-allow"):
            notice = wait(driver, "the notice of what happened", lambda d: [t for _, a, t in shadow_nodes(d) if t.startswith("Agent Maria S.") and "wants to" not in t])
            say("NOTICE", notice[0])
        state(driver)
    say("STEP done")


def viewer(driver, link, control):
    driver.get(link)
    wait(driver, "the viewer page", lambda d: d.find_element(By.ID, "join").is_enabled())
    say("TEXT", driver.find_element(By.ID, "invite").text)
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(link)
    wait(driver, "the viewer page in a second tab", lambda d: d.find_element(By.ID, "join").is_enabled())
    second = driver.current_window_handle
    driver.switch_to.window(first)
    driver.find_element(By.ID, "join").click()
    wait(driver, "the customer's page in the viewer", lambda d: "Account settings" in d.find_element(By.ID, "screen").text, timeout=30)
    say("STEP watching")
    who = wait(driver, "the participants", lambda d: "Dana (viewer" in d.find_element(By.ID, "who").text and d.find_element(By.ID, "who").text)
    say("WHO", who)
    say("SCREEN", driver.find_element(By.ID, "screen").text.replace("\n", " | ")[:3000])
    masked = driver.execute_script("return Array.prototype.map.call(document.querySelectorAll('#screen .mask'), function (e) { return e.textContent; })")
    say("MASKS", json.dumps(masked))
    if control:
        wait(driver, "control handed to this viewer", lambda d: d.find_element(By.ID, "giveback").is_displayed(), timeout=30)
        say("STEP in control", driver.find_element(By.ID, "who").text)
        # Point at the middle of the company field as drawn in the viewer.
        field = driver.execute_script("""
          var e = Array.prototype.find.call(document.querySelectorAll('#screen .field'), function (x) { return x.title === 'Company name'; });
          if (!e) return null;
          var r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2, e.getAttribute('data-node')];""")
        if not field:
            fail("no company field drawn in the viewer")
        press(driver, field[0], field[1])
        say("POINTED", field[2])
        wait(driver, "the pointer ring in the viewer", lambda d: d.execute_script("return !!document.querySelector('#screen [data-mark-id=\"pointer\"]')"))
        time.sleep(1)
        driver.find_element(By.ID, "giveback").click()
        wait(driver, "control back with the agent", lambda d: not d.find_element(By.ID, "giveback").is_displayed(), timeout=15)
        say("STEP gave control back", driver.find_element(By.ID, "who").text)
    driver.switch_to.window(second)
    driver.find_element(By.ID, "join").click()
    refused = wait(driver, "the refusal in the second tab", lambda d: d.find_element(By.ID, "error").is_displayed() and d.find_element(By.ID, "error").text)
    say("REFUSED", refused)
    say("STEP done")


def guided(driver, link, seconds):
    land(driver, link)
    accept_mode(driver, "guide you with pointers")
    deadline = time.time() + seconds
    while time.time() < deadline:
        time.sleep(0.5)
    say("STEP done")


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("marks", "actions", "viewer", "guided"):
        say(__doc__)
        raise SystemExit(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    with chromium() as driver:
        if sys.argv[1] == "marks":
            marks(driver, sys.argv[2])
        elif sys.argv[1] == "guided":
            guided(driver, sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 30)
        elif sys.argv[1] == "actions":
            actions(driver, sys.argv[2], sys.argv[3:])
        else:
            viewer(driver, sys.argv[2], "--control" in sys.argv[3:])


if __name__ == "__main__":
    main()
