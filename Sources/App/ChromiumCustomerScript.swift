import Foundation

/// The demo's real-browser customer: a Python script driving headless
/// Chromium through Selenium and chromedriver. It ships inside the binary and
/// is written to the demo's data directory at run time, so an installed
/// `cobrowse` needs no source tree. It opens the one-time link, consents (and
/// agrees to recording when asked), then walks the demo site the way the
/// scripted customer's `DemoWalk` does, slowly enough for a person to follow.
/// It prints one line per step and never what it types.
enum ChromiumCustomerScript {
    static let fileName = "chromium-customer.py"

    static let source = #"""
#!/usr/bin/python3
"""The cobrowse demo's customer in headless Chromium (written by `cobrowse demo`).

  chromium-customer.py LINK [--record] [--pause SECONDS] [--rounds N]
                        [--chromium PATH] [--chromedriver PATH] [--profile DIR]

Opens the one-time link, allows (view-only; also recording with --record), then
walks the demo site: account (types a company name), API keys, billing (types
into the card fields, which the SDK masks), SSO setup, integrations; again and
again (or N rounds). One line per step; the browser is always quit, also on
SIGTERM and when the demo that started it dies.
"""
import argparse, ctypes, os, shutil, signal, sys, tempfile, time

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


def browser(profile, chromium, chromedriver):
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--ignore-certificate-errors", "--window-size=1280,800", "--no-first-run",
              "--disable-extensions", "--user-data-dir=" + profile):
        opts.add_argument(a)
    opts.binary_location = chromium
    service = Service(executable_path=chromedriver)
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(WAIT)
    return driver


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


def card_number():
    # The payment networks' test card, built here so no card number sits in any file or log.
    return " ".join(["4242"] * 4)


def walk(driver, base, pause):
    visit(driver, base, "/demo/", "Account")
    time.sleep(pause)
    slowly(driver, "company", "Northwind Traders GmbH", pause)
    say("typed the company name")
    time.sleep(pause)
    visit(driver, base, "/demo/api-keys", "API keys")
    driver.execute_script("window.scrollTo(0, 120)")
    time.sleep(pause)
    visit(driver, base, "/demo/billing", "Billing")
    time.sleep(pause)
    slowly(driver, "cc-number", card_number(), pause)
    slowly(driver, "cc-exp", "08/29", pause)
    slowly(driver, "cvc", "737", pause)
    say("typed into the card fields (masked by the SDK)")
    time.sleep(pause)
    visit(driver, base, "/demo/sso", "SSO setup")
    time.sleep(pause)
    visit(driver, base, "/demo/integrations", "Integrations")
    time.sleep(pause)


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
    driver = None
    try:
        driver = browser(profile, args.chromium, args.chromedriver)
        say("started headless Chromium")
        driver.get(args.link)
        wait(driver, "the consent page", lambda d: d.find_element(By.ID, "allow").is_enabled())
        time.sleep(min(args.pause, 1.5))
        boxes = driver.find_elements(By.ID, "record")
        if boxes and args.record and not boxes[0].is_selected():
            boxes[0].click()
            say("agreed to recording")
        driver.find_element(By.ID, "allow").click()
        say("allowed the agent to view")
        wait(driver, "the landing page", lambda d: "/join/" not in d.current_url
             and d.execute_script("return document.readyState") == "complete")
        base = driver.current_url.split("/demo")[0]
        n = 0
        while args.rounds == 0 or n < args.rounds:
            walk(driver, base, args.pause)
            n += 1
        say("walk done")
        while True:
            time.sleep(1)
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
"""#
}
