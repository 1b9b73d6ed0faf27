#!/usr/bin/python3
"""The shared privacy corpus through the SDK, in headless Chromium: consents on
LINK, lands on a page whose paragraphs are the corpus cases ("C01: text"),
and writes what the SDK itself sent for each case (read from the frames the
page put on its WebSocket, before the engine redacts anything) to OUT as JSON
{"C01": "sent text", ...}.

  corpus.py LINK OUT.json CASES   (CASES: how many cases the page holds)
"""
import json, os, signal, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from customer import chromium, consent, sdk_joined, say, wait  # noqa: E402


def sent_texts(driver):
    texts = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.webSocketFrameSent":
            continue
        try:
            frame = json.loads(message["params"]["response"]["payloadData"])
        except (KeyError, ValueError):
            continue
        if frame.get("type") != "scene":
            continue
        for node in frame.get("body", {}).get("nodes", []):
            text = node.get("text") or ""
            if len(text) > 4 and text[0] == "C" and text[3] == ":":
                texts[text[:3]] = text[4:].strip()
    return texts


def main():
    link, out, cases = sys.argv[1], sys.argv[2], int(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    with chromium(log_frames=True) as driver:
        consent(driver, link, True)
        wait(driver, "the corpus page", lambda d: "/join/" not in d.current_url and d.execute_script("return document.readyState") == "complete")
        wait(driver, "the SDK to join", sdk_joined)
        say("STEP landed", driver.current_url)
        found = {}
        deadline = time.time() + 20
        while time.time() < deadline:
            found.update(sent_texts(driver))
            if len(found) >= cases:
                break
            time.sleep(0.5)
        with open(out, "w") as f:
            json.dump(found, f, indent=1, sort_keys=True)
        say("STEP wrote", len(found), "cases")


if __name__ == "__main__":
    main()
