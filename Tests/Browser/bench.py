#!/usr/bin/python3
"""Customer → engine bytes per second over a scripted demo-site session in
headless Chromium: starts `cobrowse serve` in a throw-away data dir, invites,
consents, walks the demo site (typing, scrolling, moving the pointer) for
--seconds, and prints what the SDK sent on the WebSocket (frame bytes, the
SDK's own counter, summed over every page).

  /usr/bin/python3 Tests/Browser/bench.py [--cobrowse .build/debug/cobrowse] [--seconds 120]
"""
import argparse, os, shutil, socket, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from customer import chromium, consent, wait, sdk_joined  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cobrowse", default=".build/debug/cobrowse")
    ap.add_argument("--seconds", type=float, default=120)
    args = ap.parse_args()
    exe = os.path.abspath(args.cobrowse)
    data = tempfile.mkdtemp(prefix="cobrowse-bench-")
    port = free_port()
    run = lambda *a: subprocess.run([exe, *a], check=True, capture_output=True, text=True, timeout=30).stdout
    run("agents", "add", "Bench Agent", "--uid", str(os.getuid()), "--level", "L2", "--data", data)
    run("tickets", "add", "--id", "B-1", "--subject", "Benchmark", "--customer", "Bench Customer", "--category", "billing", "--data", data)
    engine = subprocess.Popen([exe, "serve", "--data", data, "--listen", "127.0.0.1:%d" % port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(150):
            if os.path.exists(data + "/engine.sock"):
                break
            time.sleep(0.2)
        link = run("invite", "--ticket", "B-1", "--socket", data + "/engine.sock").strip().splitlines()[-1]
        with chromium() as driver:
            consent(driver, link, True)
            wait(driver, "the demo site", lambda d: "/demo/" in d.current_url and sdk_joined(d))
            pages = ["/demo/", "/demo/api-keys", "/demo/billing", "/demo/sso", "/demo/integrations"]
            base = "https://127.0.0.1:%d" % port
            total, start, i = 0, time.time(), 0
            while time.time() - start < args.seconds:
                total += driver.execute_script("return window.__cobrowse ? window.__cobrowse.bytesSent() : 0")
                driver.get(base + pages[i % len(pages)])
                wait(driver, "the SDK", sdk_joined)
                i += 1
                # About 24 s a page: read, move the pointer, scroll, type into a field.
                end = min(time.time() + 24, start + args.seconds)
                html = driver.find_element(By.TAG_NAME, "html")
                step = 0
                while time.time() < end:
                    ActionChains(driver).move_to_element_with_offset(html, -300 + (step * 37) % 600, -200 + (step * 23) % 400).perform()
                    if step % 10 == 5:
                        driver.execute_script("window.scrollBy(0, 40)")
                    if step % 10 == 8:
                        fields = driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden])")
                        if fields:
                            fields[0].send_keys("a")
                    step += 1
                    time.sleep(0.25)
            total += driver.execute_script("return window.__cobrowse ? window.__cobrowse.bytesSent() : 0")
            elapsed = time.time() - start
            print("customer->engine: %d bytes in %.0f s = %.1f KB/s (%d page views)" % (total, elapsed, total / elapsed / 1024, i), flush=True)
    finally:
        engine.terminate()
        engine.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
