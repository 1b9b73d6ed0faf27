import Foundation

/// The gateway's own pages for the customer. Everything interpolated is escaped:
/// ticket subjects and names come from outside.
public enum CustomerPages {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func page(title: String, _ body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(escape(title))</title>
        <link rel="stylesheet" href="/assets/cobrowse.css"></head><body>
        \(body)
        </body></html>
        """
    }

    public static func message(title: String, body: String) -> String {
        page(title: title, "<h1>\(escape(title))</h1><p>\(escape(body))</p>")
    }

    /// What the customer sees behind a valid one-time link: who asks, for what,
    /// and what stays hidden, before anything is shared. `/consent.js` does the
    /// rest; nothing connects until the customer presses Allow.
    public static func consent(agentName: String, ticket: Ticket, recording: Bool, landingURL: String = "/demo/") -> String {
        let record = recording
            ? """
              <label class="choice"><input type="checkbox" id="record" name="record"> Also allow the agent to <b>record</b> this session for quality and training. You can say no and still share.</label>
              """
            : "<p>This session is <b>not recorded</b>.</p>"
        return page(title: "Screen sharing request", """
        <main id="consent" data-landing="\(escape(landingURL))">
        <h1>Agent \(escape(agentName)) wants to view your screen. Allow?</h1>
        <div class="box">
        <p>About your request <b>\(escape(ticket.id))</b>: \(escape(ticket.subject))</p>
        <p>The agent sees the pages of this site in this browser tab only, never other tabs, windows or your desktop.
        Sharing your whole screen or a window is a separate choice that asks you again first (not on phones and tablets).</p>
        <fieldset><legend>What may the agent do?</legend>
        <label class="choice"><input type="radio" name="access" value="view-only" checked> View only</label>
        <label class="choice"><input type="radio" name="access" value="controlled"> Let the agent ask for control (you approve each request)</label>
        </fieldset>
        \(record)
        </div>
        <div class="box">
        <p><b>Always hidden from the agent:</b> passwords, payment card fields, and fields marked private.
        What you type in other fields is hidden as well. Card numbers, social security numbers, e-mail addresses,
        phone numbers and API keys in the page text are masked before they leave your browser.</p>
        </div>
        <p class="buttons"><button id="allow" class="allow" disabled>Allow</button> <button id="deny" class="deny" disabled>Deny</button></p>
        <p id="status" class="status" role="status" aria-live="polite"></p>
        <p class="muted">You can stop sharing at any moment with the "Stop sharing" button. This link works once and expires after 15 minutes.
        On phones and tablets only the pages of this site are shared.</p>
        </main>
        <script src="/consent.js"></script>
        """)
    }
}
