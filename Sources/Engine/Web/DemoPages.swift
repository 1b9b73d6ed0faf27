// The demo product site, served by the engine under /demo/. It includes the
// SDK exactly like a customer's own site would: <script src="/cobrowse.js">.
public enum DemoPages {
    public struct Asset: Sendable {
        public let contentType: String
        public let body: String
    }

    /// The asset at `path` (already stripped of its query), or nil.
    public static func asset(_ path: String) -> Asset? {
        switch path {
        case "/demo", "/demo/", "/demo/account": return html(account)
        case "/demo/api-keys": return html(apiKeys)
        case "/demo/billing": return html(billing)
        case "/demo/sso": return html(sso)
        case "/demo/integrations": return html(integrations)
        case "/demo/demo.css": return Asset(contentType: "text/css; charset=utf-8", body: css)
        case "/demo/logo.svg": return Asset(contentType: "image/svg+xml", body: logo)
        case "/demo/demo.js": return Asset(contentType: "text/javascript; charset=utf-8", body: script)
        default: return nil
        }
    }

    static func html(_ s: String) -> Asset { Asset(contentType: "text/html; charset=utf-8", body: s) }

    static func page(_ title: String, _ current: String, _ main: String) -> String {
        let nav = [("/demo/", "Account"), ("/demo/api-keys", "API keys"), ("/demo/billing", "Billing"),
                   ("/demo/sso", "SSO setup"), ("/demo/integrations", "Integrations")]
            .map { $0.1 == current ? "<a class=\"on\" href=\"\($0.0)\">\($0.1)</a>" : "<a href=\"\($0.0)\">\($0.1)</a>" }
            .joined()
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · Northwind Cloud</title>
        <link rel="stylesheet" href="/demo/demo.css"></head><body>
        <header><img src="/demo/logo.svg" alt="Northwind logo" width="32" height="32"><span class="brand">Northwind Cloud</span><span class="user">Dana Whitfield ▾</span></header>
        <div class="wrap"><nav>\(nav)</nav><main>
        \(main)
        </main></div>
        <script src="/cobrowse.js" data-cobrowse-live-help="on"></script>
        </body></html>
        """
    }

    static let account = page("Account settings", "Account", """
    <h1>Account settings</h1>
    <p class="lead">Your profile and workspace details.</p>
    <form autocomplete="off">
    <label for="name">Full name</label><input id="name" name="name" value="Dana Whitfield">
    <label for="email">Work e-mail</label><input id="email" name="email" type="email" value="dana@northwind.example">
    <label for="company">Company name</label><input id="company" name="company" value="Northwind Traders" data-cobrowse-reveal>
    <label for="tz">Time zone</label><select id="tz" name="tz"><option>Europe/Berlin (UTC+1)</option><option>America/New_York (UTC-5)</option></select>
    <h2>Change password</h2>
    <label for="password">New password</label><input id="password" name="password" type="password" autocomplete="new-password">
    <p><button type="button">Save settings</button></p>
    </form>
    <p class="muted">Questions? Write to billing@northwind.example or call +49 30 1234 5678.</p>
    """)

    static let apiKeys = page("API keys", "API keys", """
    <h1>API keys</h1>
    <p class="lead">Keys give full access to your workspace. Keep them secret.</p>
    <table><tr><th>Name</th><th>Key</th><th>Created</th></tr>
    <tr><td>Production</td><td><code>sk_live_4eC39HqLyjWDarjtT1zdp7dc</code></td><td>3 March 2026</td></tr>
    <tr><td>CI pipeline</td><td><code>sk_test_BQokikJOvBiI2HlWgH4olfQ2</code></td><td>9 June 2026</td></tr>
    </table>
    <p><button type="button">Create new key</button></p>
    <p class="muted">Rotating a key revokes the old one after 24 hours.</p>
    """)

    static let billing = page("Billing", "Billing", """
    <h1>Billing</h1>
    <p class="lead">Plan: Team · 14 seats · renews on 1 December 2026.</p>
    <p>Card on file: 4242 4242 4242 4242 (Visa), expires 08/29</p>
    <form autocomplete="on">
    <label for="cc-name">Name on card</label><input id="cc-name" name="cc-name" autocomplete="cc-name" value="Dana Whitfield">
    <label for="cc-number">Card number</label><input id="cc-number" name="cardnumber" autocomplete="cc-number" inputmode="numeric">
    <label for="cc-exp">Expiry (MM/YY)</label><input id="cc-exp" name="cc-exp" autocomplete="cc-exp">
    <label for="cvc">Security code</label><input id="cvc" name="cvc" autocomplete="cc-csc">
    <label for="address">Billing address</label><input id="address" name="address" value="Hauptstraße 5, 10115 Berlin">
    <p><button type="button" id="update">Update payment</button></p>
    </form>
    <p class="muted">Last invoice: €588.00 on 1 November 2026 — paid.</p>
    """)

    static let sso = page("Single sign-on", "SSO setup", """
    <h1>Single sign-on</h1>
    <p class="lead">Connect your identity provider with SAML 2.0.</p>
    <form autocomplete="off">
    <label for="entity">Identity provider entity ID</label><input id="entity" name="entity" value="https://idp.northwind.example/saml" data-cobrowse-reveal>
    <label for="acs">Assertion consumer service URL</label><input id="acs" name="acs" value="https://cloud.example/sso/acs" data-cobrowse-reveal>
    <label for="cert">Signing certificate</label><textarea id="cert" name="cert" rows="3">MIIC8DCCAdigAwIBAgIQ</textarea>
    <p><button type="button">Test connection</button></p>
    </form>
    <div class="private" data-cobrowse-mask>Recovery codes: 8731-2291 4410-9983</div>
    """)

    static let integrations = page("Integrations", "Integrations", """
    <h1>Integrations</h1>
    <p class="lead">Send events to the tools your team already uses.</p>
    <ul class="cards"><li><b>Slack</b> · connected to #support-alerts</li><li><b>Jira</b> · not connected</li><li><b>Webhooks</b> · 1 endpoint</li></ul>
    <h2>Recent webhook deliveries</h2>
    <p class="log">Delivery failed: &lt;b&gt;502 Bad Gateway&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt; &#27;[2J&#27;]0;owned&#7; retrying in 60 s</p>
    <p class="muted">Deliveries are retried for 24 hours.</p>
    <p><button type="button" id="send-test">Send test event</button></p>
    <script src="/demo/demo.js"></script>
    """)

    /// The demo's own bug, for "debugging error messages" sessions: "Send test
    /// event" calls an endpoint that does not exist and then throws, so the SDK
    /// reports a failed request and a JavaScript error (both carrying something
    /// it must mask: an e-mail address, a secret in the query).
    static let script = """
    document.addEventListener('click', function (e) {
      if (!e.target.closest || !e.target.closest('#send-test')) return;
      fetch('/demo/api/webhooks/test?secret=whsec_5f2a9c7d').catch(function () {});
      setTimeout(function () { throw new Error('Webhook test failed for ops@northwind.example: no endpoint configured'); }, 0);
    });
    """

    static let css = """
    *{box-sizing:border-box} body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d2330;background:#f4f6fa}
    header{display:flex;align-items:center;gap:12px;height:56px;padding:0 20px;background:#151b2b;color:#fff}
    .brand{font-weight:700;font-size:18px} .user{margin-left:auto}
    .wrap{display:flex} nav{width:190px;padding:16px 0;background:#fff;min-height:calc(100vh - 56px);border-right:1px solid #dde1ea}
    nav a{display:block;padding:8px 20px;color:#1d2330;text-decoration:none} nav a.on{background:#e8eefc;font-weight:600}
    main{flex:1;padding:20px 32px;max-width:760px} h1{font-size:24px;margin:0 0 4px} .lead{color:#5a6270;margin-top:0}
    label{display:block;margin:12px 0 4px;font-weight:600} input,select,textarea{width:100%;max-width:420px;padding:7px 9px;border:1px solid #aab;border-radius:6px;font:inherit;background:#fff}
    button{font:inherit;background:#2f6fed;color:#fff;border:0;border-radius:6px;padding:8px 16px;margin-top:12px}
    table{border-collapse:collapse;background:#fff} th,td{border:1px solid #dde1ea;padding:6px 10px;text-align:left}
    .muted{color:#5a6270;font-size:13px} .private{margin-top:16px;padding:10px;background:#fff3cd;border:1px solid #e0c36a}
    .cards li{margin:4px 0} .log{font-family:monospace;background:#fff;border:1px solid #dde1ea;padding:8px}
    """

    static let logo = """
    <svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2f6fed"/><path d="M8 24V8l16 16V8" stroke="#fff" stroke-width="3" fill="none"/></svg>
    """
}
