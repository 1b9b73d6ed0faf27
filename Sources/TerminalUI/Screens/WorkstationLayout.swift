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
