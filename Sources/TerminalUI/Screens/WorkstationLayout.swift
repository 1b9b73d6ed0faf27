/// Where the workstation's parts go at a given terminal size. 80x24 keeps the
/// page as large as possible (feed behind `f`); wide terminals put the feed at
/// the side, tall ones below.
public struct WorkstationLayout: Equatable, Sendable {
    public var status: CellRect
    public var url: CellRect
    public var view: CellRect
    public var feed: CellRect?
    public var message: CellRect
    public var hints: CellRect

    public static let sideFeedMinColumns = 120
    public static let bottomFeedMinRows = 34

    public init(size: GridSize, feedShown: Bool) {
        let w = size.columns, h = size.rows
        status = CellRect(x: 0, y: 0, width: w, height: 2)
        url = CellRect(x: 0, y: 2, width: w, height: 1)
        message = CellRect(x: 0, y: h - 2, width: w, height: 1)
        hints = CellRect(x: 0, y: h - 1, width: w, height: 1)
        let body = CellRect(x: 0, y: 3, width: w, height: h - 5)
        if w >= Self.sideFeedMinColumns {
            let fw = min(56, max(36, w / 4))
            view = CellRect(x: 0, y: body.y, width: w - fw, height: body.height)
            feed = CellRect(x: w - fw, y: body.y, width: fw, height: body.height)
        } else if h >= Self.bottomFeedMinRows || feedShown {
            let fh = min(12, max(6, body.height / 3))
            view = CellRect(x: 0, y: body.y, width: w, height: body.height - fh)
            feed = CellRect(x: 0, y: view.maxY, width: w, height: fh)
        } else {
            view = body
            feed = nil
        }
    }
}

/// Where the pages go inside the workstation's page area for a view mode:
/// the customer's page, the page the agent shows, and in split view a
/// one-line title over each (side by side from 120 columns, else stacked).
public struct PageLayout: Equatable, Sendable {
    /// The customer's page (nil when only the shown page is drawn).
    public var customer: CellRect?
    /// The page the agent shows (nil in the customer view).
    public var shown: CellRect?
    public var customerTitle: CellRect?
    public var shownTitle: CellRect?
    /// The column between side-by-side panes.
    public var divider: CellRect?
    public var stacked = false

    public static let sideBySideMinColumns = 120

    public init(view: CellRect, mode: ViewMode, terminalColumns: Int) {
        switch mode {
        case .customer:
            customer = view
        case .shown:
            shown = view
        case .split:
            if terminalColumns >= Self.sideBySideMinColumns {
                let left = (view.width - 1) / 2, right = view.width - left - 1
                customerTitle = CellRect(x: view.x, y: view.y, width: left, height: 1)
                customer = CellRect(x: view.x, y: view.y + 1, width: left, height: view.height - 1)
                divider = CellRect(x: view.x + left, y: view.y, width: 1, height: view.height)
                shownTitle = CellRect(x: view.x + left + 1, y: view.y, width: right, height: 1)
                shown = CellRect(x: view.x + left + 1, y: view.y + 1, width: right, height: view.height - 1)
            } else {
                stacked = true
                let top = view.height / 2, bottom = view.height - top
                customerTitle = CellRect(x: view.x, y: view.y, width: view.width, height: 1)
                customer = CellRect(x: view.x, y: view.y + 1, width: view.width, height: max(0, top - 1))
                shownTitle = CellRect(x: view.x, y: view.y + top, width: view.width, height: 1)
                shown = CellRect(x: view.x, y: view.y + top + 1, width: view.width, height: max(0, bottom - 1))
            }
        }
    }
}
