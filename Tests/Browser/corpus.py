#!/usr/bin/python3
"""What the SDK itself sends, in headless Chromium: consents on LINK, lands on
the page the link names, and writes what the page put on its WebSocket
(scene frames, read from Chromium's own log before the engine could redact
anything) to OUT as JSON: {"cases": {"C01": "sent text", ...}, "runs": {"C01":
["sent text", ...]}, "texts": [...], "labels": [...]}. A case is a line of text
runs side by side starting "Cnn:" (a case in parts is a run a part), joined with
a space as the eye reads them; its runs are listed without the "Cnn:".

  corpus.py LINK OUT.json CASES [TEXT]   (CASES: how many cases to wait for; 0: the first scene will do;
                                         TEXT: a text run to wait for as well, e.g. one a frame loads later)
"raw" in OUT is every frame the page sent, as sent, for a search of the whole.
"""
import json, os, signal, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from customer import chromium, consent, sdk_joined, say, wait  # noqa: E402


def sent_scenes(driver, raw):
    """The full scenes the page sent since the last look; every frame it sent goes to `raw` as it went."""
    scenes = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.webSocketFrameSent":
            continue
        try:
            raw.append(message["params"]["response"]["payloadData"])
            frame = json.loads(raw[-1])
        except (KeyError, ValueError):
            continue
        if frame.get("type") == "scene":
            scenes.append(frame.get("body", {}))
    return scenes


def lines(nodes):
    """The scene's text runs as lines: runs whose boxes share a row, left to right."""
    rows = []
    for n in sorted((n for n in nodes if n.get("kind") == "text" and n.get("rect")), key=lambda n: (n["rect"]["y"], n["rect"]["x"])):
        mid = n["rect"]["y"] + n["rect"]["height"] / 2
        row = next((r for r in rows if abs(r["mid"] - mid) < n["rect"]["height"] / 2), None)
        if row is None:
            row = {"mid": mid, "runs": []}
            rows.append(row)
        row["runs"].append(n)
    return [[n["text"] for n in sorted(r["runs"], key=lambda n: n["rect"]["x"])] for r in rows]


def main():
    link, out, cases = sys.argv[1], sys.argv[2], int(sys.argv[3])
    awaited = sys.argv[4] if len(sys.argv) > 4 else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    with chromium(log_frames=True) as driver:
        consent(driver, link, True)
        wait(driver, "the page", lambda d: "/join/" not in d.current_url and d.execute_script("return document.readyState") == "complete")
        wait(driver, "the SDK to join", sdk_joined)
        say("STEP landed", driver.current_url)
        found, runs, texts, labels, scenes, raw = {}, {}, set(), set(), 0, []
        deadline = time.time() + 20
        while time.time() < deadline:
            for scene in sent_scenes(driver, raw):
                scenes += 1
                for node in scene.get("nodes", []):
                    texts.add(node.get("text") or "")
                    if node.get("label"):
                        labels.add(node["label"])
                for line in lines(scene.get("nodes", [])):
                    joined = " ".join(line)
                    if len(joined) > 4 and joined[0] == "C" and joined[3] == ":":
                        found[joined[:3]] = joined[4:].strip()
                        first = line[0][4:].strip()
                        runs[joined[:3]] = ([first] if first else []) + line[1:]
            if scenes and len(found) >= cases and (awaited is None or awaited in texts):
                break
            time.sleep(0.5)
        with open(out, "w") as f:
            json.dump({"cases": found, "runs": runs, "texts": sorted(texts), "labels": sorted(labels), "raw": "\n".join(raw)}, f, indent=1, sort_keys=True)
        say("STEP wrote", len(found), "cases from", scenes, "scenes")


if __name__ == "__main__":
    main()
