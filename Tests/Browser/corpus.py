#!/usr/bin/python3
"""What the SDK itself sends, in headless Chromium: consents on LINK, lands on
the page the link names, and writes what the page put on its WebSocket
(scene frames, read from Chromium's own log before the engine could redact
anything) to OUT as JSON: {"cases": {"C01": "sent text", ...}, "texts": [...],
"labels": [...]}. A case is a text node sent as "Cnn: text".

  corpus.py LINK OUT.json CASES   (CASES: how many cases to wait for; 0: the first scene will do)
"""
import json, os, signal, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from customer import chromium, consent, sdk_joined, say, wait  # noqa: E402


def sent_scenes(driver):
    scenes = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.webSocketFrameSent":
            continue
        try:
            frame = json.loads(message["params"]["response"]["payloadData"])
        except (KeyError, ValueError):
            continue
        if frame.get("type") == "scene":
            scenes.append(frame.get("body", {}))
    return scenes


def main():
    link, out, cases = sys.argv[1], sys.argv[2], int(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    with chromium(log_frames=True) as driver:
        consent(driver, link, True)
        wait(driver, "the page", lambda d: "/join/" not in d.current_url and d.execute_script("return document.readyState") == "complete")
        wait(driver, "the SDK to join", sdk_joined)
        say("STEP landed", driver.current_url)
        found, texts, labels, scenes = {}, set(), set(), 0
        deadline = time.time() + 20
        while time.time() < deadline:
            for scene in sent_scenes(driver):
                scenes += 1
                for node in scene.get("nodes", []):
                    text = node.get("text") or ""
                    texts.add(text)
                    if node.get("label"):
                        labels.add(node["label"])
                    if len(text) > 4 and text[0] == "C" and text[3] == ":":
                        found[text[:3]] = text[4:].strip()
            if scenes and len(found) >= cases:
                break
            time.sleep(0.5)
        with open(out, "w") as f:
            json.dump({"cases": found, "texts": sorted(texts), "labels": sorted(labels)}, f, indent=1, sort_keys=True)
        say("STEP wrote", len(found), "cases from", scenes, "scenes")


if __name__ == "__main__":
    main()
