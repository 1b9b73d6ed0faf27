#!/usr/bin/python3
"""The SDK's layout-dependent parts in headless Chromium, without the engine: the
pages in Tests/Browser/sdk load the tree's own files (the connect module, the
privacy module, cobrowse.js) behind a fake WebSocket that plays a consented
session, and what the page put on its socket is checked: scene rectangles
against the page's own layout, an agent's click at a point landing on the
element under it, what the customer's overlay names, the tenant's policy from
/cobrowse-rules.json, same-origin and cross-origin frames, canvases. Prints
"OK name" or "FAIL name: why" per check and exits 1 when any failed.

  sdk_page.py
"""
import http.server, json, os, re, signal, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from customer import chromium, product, say, wait  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ASSETS = os.path.join(HERE, "..", "..", "Sources", "Engine", "Web", "Assets")
PAGES = os.path.join(HERE, "sdk")
SDK_FILES = ("cobrowse-connect.js", "cobrowse-privacy.js", "cobrowse.js")
BULLET = "\u2022"


class Site(http.server.BaseHTTPRequestHandler):
    """The engine's two addresses the SDK reads (its script, its rules) and the test pages."""
    tenant = None        # what the engine's tenant policy adds to the rules, for the page loaded next
    tenant_patterns = []

    def do_GET(self):
        path = self.path.split("?")[0].split("#")[0]
        if path.lstrip("/") in SDK_FILES:
            return self.answer(open(os.path.join(ASSETS, path.lstrip("/")), "rb").read(), "text/javascript")
        if path == "/cobrowse-rules.json":
            rules = json.load(open(os.path.join(ASSETS, "cobrowse-rules.json")))
            if Site.tenant is not None:
                rules["tenant"] = Site.tenant
                rules["patterns"] += Site.tenant_patterns
            return self.answer(json.dumps(rules).encode(), "application/json")
        name = path[len("/sdk/"):] if path.startswith("/sdk/") else ""
        if re.fullmatch(r"[a-z-]+\.(html|js)", name) and os.path.exists(os.path.join(PAGES, name)):
            return self.answer(open(os.path.join(PAGES, name), "rb").read(),
                               "text/html; charset=utf-8" if name.endswith(".html") else "text/javascript")
        self.send_error(404)

    def answer(self, body, kind):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


failures = []


def check(name, ok, detail=""):
    say(("OK " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:1500]))
    if not ok:
        failures.append(name)


def frames(driver):
    return driver.execute_script("return window.sdkFrames || []")


def nodes_sent(fs):
    """Every node the SDK sent, full scenes and deltas alike."""
    out = []
    for f in fs:
        body = f.get("body") or {}
        out += body.get("nodes", []) if f.get("type") == "scene" else body.get("upserts", []) if f.get("type") == "scene-delta" else []
    return out


def last_scene(fs):
    scenes = [f["body"] for f in fs if f.get("type") == "scene"]
    return scenes[-1] if scenes else None


def texts(fs):
    return [n.get("text") or "" for n in nodes_sent(fs) if n.get("kind") in ("text", "field")]


def open_page(driver, port, name):
    driver.get("http://127.0.0.1:%d/sdk/%s#cobrowse=test-resume-key" % (port, name))
    wait(driver, "the SDK's first scene on " + name, lambda d: last_scene(frames(d)) is not None)
    return frames(driver)


def rect_of(driver, script):
    r = driver.execute_script(script)
    return {k: round(r[k]) for k in ("x", "y", "width", "height")}


def element_rect(driver, css):
    return rect_of(driver, "var r = document.querySelector(arguments[0]).getBoundingClientRect(); return {x: r.left, y: r.top, width: r.width, height: r.height};".replace("arguments[0]", json.dumps(css)))


def inside(inner, outer):
    return (inner["x"] >= outer["x"] and inner["y"] >= outer["y"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"])


def node_at(scene, x, y):
    """What an agent's click at (x, y) lands on: the topmost node there, the rule the viewer and the console use."""
    hit = None
    for n in scene["nodes"]:
        q = n.get("rect")
        if not q or n["id"] == "root":
            continue
        if q["x"] <= x < q["x"] + q["width"] and q["y"] <= y < q["y"] + q["height"] and (hit is None or n.get("z", 0) >= hit.get("z", 0)):
            hit = n
    return hit


def click_at(driver, css, action_id):
    """The agent clicks where `css` is on their copy of the page; the engine asks the SDK to click the node there."""
    r = element_rect(driver, css)
    x, y = r["x"] + r["width"] // 2, r["y"] + r["height"] // 2
    hit = node_at(last_scene(frames(driver)), x, y)
    if hit is None:
        return None, None
    driver.execute_script("engineSays(arguments[0])", {"v": 1, "type": "perform-action", "body": {"id": action_id, "kind": "click", "target": hit["id"]}})
    result = wait(driver, "the result of " + action_id, lambda d: next((f["body"] for f in frames(d)
                                                                        if f.get("type") == "action-result" and f["body"].get("id") == action_id), None))
    return hit, result


def notices(driver):
    """The words of each notice the customer's overlay shows (a closed shadow root: read through CDP)."""
    nodes, _, texts_of, children = product.overlay_nodes(driver)
    out = []
    for node_id, _, attrs in nodes:
        if attrs.get("data-cb") != "notice":
            continue
        words, stack = [], [node_id]
        while stack:
            n = stack.pop()
            if n in texts_of:
                words.append(texts_of[n])
            stack.extend(reversed(children.get(n, [])))
        out.append(" ".join(" ".join(words).split()))
    return out


def layout(driver, port):
    fs = open_page(driver, port, "layout.html")
    scene = last_scene(fs)
    panel = [n for n in scene["nodes"] if n.get("kind") == "box" and n.get("background") == "#0a78c8"]
    check("a box is sent where the page draws it", [n["rect"] for n in panel] == [{"x": 40, "y": 30, "width": 300, "height": 60}], panel)
    anchor = [n for n in scene["nodes"] if n.get("text") == "Layout anchor text"]
    page_box = rect_of(driver, "var r = document.createRange(); r.selectNodeContents(document.getElementById('anchor').firstChild);"
                               "var b = r.getBoundingClientRect(); return {x: b.left, y: b.top, width: b.width, height: b.height};")
    check("a text run's rectangle is the text's own box", [n["rect"] for n in anchor] == [page_box], (anchor, page_box))

    hit, result = click_at(driver, "#guide-link", "a-link")
    clicks = driver.execute_script("return window.pageClicks")
    check("a click on a link's words lands on the link", hit is not None and re.fullmatch(r"n\d+t\d+(\.\d+)?", hit["id"]) and result.get("ok") is True
          and clicks == ["guide-link"], (hit, result, clicks))
    hit, result = click_at(driver, "#save", "a-save")
    hit2, result2 = click_at(driver, "#delete", "a-delete")
    clicks = driver.execute_script("return window.pageClicks")
    check("a click on a button's label lands on the button", clicks == ["guide-link", "save", "delete"] and result["ok"] and result2["ok"], (clicks, hit, hit2))
    said = wait(driver, "the overlay's notices", lambda d: (lambda n: n if len(n) >= 3 else None)(notices(d)))
    check("the overlay names a revealed element by its words", any("Agent Maria S. clicked Save settings" in n for n in said), said)
    check("the overlay names an unrevealed element as bullets on a private-by-default page",
          any("clicked " + BULLET * 6 + " " + BULLET * 7 in n for n in said) and not any("Delete account" in n for n in said), said)
    hit, result = click_at(driver, "#masked", "a-masked")
    clicks = driver.execute_script("return window.pageClicks")
    check("a click on a masked area is refused in the page", hit is not None and hit.get("kind") == "mask" and result.get("ok") is False
          and "marked private" in result.get("detail", "") and "masked" not in clicks, (hit, result, clicks))
    sent = texts(frames(driver))
    check("private by default: revealed words go, the rest as bullets", "Layout anchor text" in sent and "setup guide" in sent
          and "Save settings" in sent and not any("Delete account" in t for t in sent) and BULLET * 6 + " " + BULLET * 7 in sent, sent)


def tenant(driver, port):
    Site.tenant = {"privacy": "private-by-default", "mask": [".tenant-mask"], "block": [".tenant-block"], "reveal": [".tenant-reveal"]}
    Site.tenant_patterns = [{"kind": "account", "pattern": "\\bACCT-\\d{6}\\b", "minLength": 11, "needsDigit": True}]
    try:
        fs = open_page(driver, port, "tenant.html")
    finally:
        Site.tenant, Site.tenant_patterns = None, []
    sent, dump = texts(fs), json.dumps(fs, ensure_ascii=False)
    labels = [n.get("label") for n in nodes_sent(fs) if n.get("kind") == "mask"]
    check("the tenant's reveal shows its text", "Tenant revealed line" in sent, sent)
    check("the tenant's privacy wins over the page's standard", "Ordinary tenant words" not in dump
          and BULLET * 8 + " " + BULLET * 6 + " " + BULLET * 5 in sent, sent)
    check("the tenant's mask and the page's both make labelled boxes", labels.count("marked private") == 2
          and "masked note" not in dump, labels)
    check("the tenant's block sends nothing, a reveal inside it neither", "ledger" not in dump, sent)
    check("the tenant's text pattern masks like the engine's own", "Account " + BULLET * 11 + " is overdue" in sent and "204881" not in dump, sent)


def frames_page(driver, port):
    fs = open_page(driver, port, "frames.html")
    wait(driver, "the billing frame's text", lambda d: "Frame greeting text" in texts(frames(d)))
    fs = frames(driver)
    nodes = nodes_sent(fs)
    frame_box = element_rect(driver, "#billing")
    greeting = [n for n in nodes if n.get("text") == "Frame greeting text"]
    check("a same-origin frame's text is sent where the frame shows it", greeting and all(inside(n["rect"], frame_box) for n in greeting)
          and greeting[0]["rect"]["x"] > frame_box["x"] and greeting[0]["rect"]["y"] > frame_box["y"], (greeting, frame_box))
    masks = [(n.get("label"), n["rect"]) for n in nodes if n.get("kind") == "mask"]
    check("the frame's password and card fields are masked boxes inside it", {"password", "payment field"} <= {l for l, r in masks if inside(r, frame_box)}, masks)
    check("the frame's card number in text is masked", any(t.startswith("Card on file " + BULLET) for t in texts(fs)), texts(fs))
    partner = [n for n in nodes if n.get("kind") == "box" and n.get("label") == "embedded content from localhost:%d" % port]
    check("a cross-origin frame is a labelled box", len(partner) >= 1 and partner[0]["rect"] == element_rect(driver, "#partner"), partner)
    chart = element_rect(driver, "#chart")
    check("a canvas is a labelled box", any(n.get("label") == "canvas" and n["rect"] == chart for n in nodes)
          and not any(n.get("kind") == "image" and n["rect"] == chart for n in nodes), [n for n in nodes if n.get("rect") == chart])
    shown = element_rect(driver, "#shown-chart")
    check("a revealed canvas is sent as its pixels", any(n.get("kind") == "image" and n["rect"] == shown and n["pixels"]["width"] > 0 for n in nodes),
          [n.get("kind") for n in nodes if n.get("rect") == shown])
    driver.execute_script("var d = document.getElementById('billing').contentDocument, p = d.createElement('p');"
                          "p.textContent = 'Late frame line'; d.body.append(p);")
    late = wait(driver, "the frame's change to be sent", lambda d: "Late frame line" in texts(frames(d)), timeout=10)
    check("a change inside the frame is seen and sent", late)
    dump = json.dumps(frames(driver), ensure_ascii=False)
    for secret in ("4111", "hunter2", "Other site secret"):
        check("nothing sent holds " + secret, secret not in dump, re.findall(r".{40}" + secret + ".{40}", dump)[:3])
    check("the page's own text is sent", "Page above the frames" in texts(fs))


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    with chromium() as driver:
        for run in (layout, tenant, frames_page):
            say("STEP", run.__name__)
            run(driver, port)
    say("DONE", len(failures), "failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
