import Engine

/// The console's side of the key table: which keys are offered now (the
/// hints line), the `:` command palette and the `/` filter. All read
/// `KeyMap`, so a hint, a command and a key are the same thing.
extension ConsoleModel {
    /// The words `binding` shows on the hints line now, or nil when it is not offered here.
    public func hintWords(_ binding: KeyBinding) -> HintWords? {
        guard let words = binding.hint else { return nil }
        let current = session?.controlMode ?? .viewOnly
        let pageHidden = viewMode == .shown
        switch binding.action {
        case .annotate: return current >= .guided && !pageHidden ? words : nil
        case .click, .type, .scrollUp, .scrollDown: return current >= .controlled && !pageHidden ? words : nil
        case .pointer: return current >= .guided ? words : nil
        case .approvals: return approvals.isEmpty ? nil : HintWords("A approvals (\(approvals.count))", "A approve")
        case .handOffs: return handOffs.isEmpty ? nil : HintWords("H hand-offs (\(handOffs.count))", "H take")
        case .open: return lobbyRows.isEmpty ? nil : words
        case .openRecorded:
            guard !options.watch, lobbySelection < lobbyRows.count, case .ticket = lobbyRows[lobbySelection] else { return nil }
            return words
        case .messages: return messageHistory.isEmpty ? nil : words
        case .symbols: return symbols == .braille ? HintWords("b braille", "b blit") : HintWords("b half-block", "b half")
        case .present: return mirror.active ? HintWords("P stop showing", "P stop") : words
        case .cycleView:
            // V is offered only while there is a shown page to switch to.
            if mirror.scene == nil && viewMode == .customer { return nil }
            switch viewMode.next {
            case .customer: return HintWords("V customer view", "V cust")
            case .split: return HintWords("V split view", "V split")
            case .shown: return HintWords("V shown page", "V shown")
            }
        default: return words
        }
    }

    static let paletteMaxCharacters = 32

    /// `c` in a link dialog: the link to the agent's clipboard, through the terminal.
    mutating func copyLink(_ url: String) -> [ConsoleCommand] {
        message = StatusMessage(.info, "Link copied to your terminal's clipboard (OSC 52); it still works once only")
        return [.copyToClipboard(url)]
    }
    static let filterMaxCharacters = 64

    /// The palette's commands that fit what is typed, for the dialog to list.
    public var paletteMatches: [String] {
        guard case let .palette(draft) = dialog else { return [] }
        return KeyMap.completions(draft, in: keyContext)
    }

    mutating func handlePalette(_ draft: String, _ key: ConsoleKey) -> [ConsoleCommand] {
        let context = keyContext
        if key == .tab {
            // Tab completes as far as the candidates agree (all the way when one is left).
            let candidates = KeyMap.completions(draft, in: context)
            guard let first = candidates.first else { return [] }
            let common = candidates.dropFirst().reduce(first) { String($0.commonPrefix(with: $1)) }
            dialog = .palette(draft: common.count > draft.count ? common : draft)
            return []
        }
        switch Self.edit(draft, key, maxCharacters: Self.paletteMaxCharacters) {
        case .cancel: dialog = nil
        case let .changed(next): dialog = .palette(draft: next.lowercased())
        case .ignored: break
        case let .submit(text):
            guard !text.isEmpty else { dialog = nil; return [] }
            let candidates = KeyMap.completions(text, in: context)
            let chosen = KeyMap.binding(command: text, in: context) ?? (candidates.count == 1 ? KeyMap.binding(command: candidates[0], in: context) : nil)
            guard let binding = chosen else {
                message = StatusMessage(.error, candidates.isEmpty ? "No command “\(SafeText.clean(text))” here — Tab completes, ? lists the keys"
                                                                   : "“\(SafeText.clean(text))” could be \(candidates.joined(separator: ", "))")
                return []
            }
            dialog = nil
            return perform(binding, key: nil)
        }
        return []
    }

    /// The filter applies as it is typed; Enter keeps it, Esc clears it.
    mutating func handleFilter(_ draft: String, _ key: ConsoleKey) {
        switch Self.edit(draft, key, maxCharacters: Self.filterMaxCharacters) {
        case .cancel:
            dialog = nil
            applyFilter("")
        case let .changed(next):
            dialog = .filter(draft: next)
            applyFilter(next)
        case .ignored: break
        case let .submit(text):
            dialog = nil
            applyFilter(text)
        }
    }

    private mutating func applyFilter(_ text: String) {
        if screen == .lobby {
            lobbyFilter = text
            lobbySelection = 0
        } else {
            feedFilter = text
            // A filtered feed is worth seeing even where it is hidden by default.
            if !text.isEmpty { feedShown = true }
        }
    }
}
