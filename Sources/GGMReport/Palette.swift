/// Fixed colours of the report.
///
/// Groups use Tableau 10 (designed to stay distinguishable under common colour-vision
/// deficiencies), cycled when there are more than ten groups. Edge signs use the Okabe-Ito
/// blue / vermillion pair (Okabe & Ito, "Color Universal Design", 2008).
public enum Palette {
    /// Tableau 10, in its published order.
    public static let groups: [String] = [
        "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
        "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC",
    ]
    /// Colour of nodes without a group.
    public static let ungrouped = "#8C8C8C"
    /// Positive partial correlation.
    public static let positiveEdge = "#0072B2"
    /// Negative partial correlation.
    public static let negativeEdge = "#D55E00"
    /// Alarms and estimated changes.
    public static let alarm = "#C62828"
    /// Threshold step line.
    public static let threshold = "#555555"
    /// Lines of data panels, in order.
    public static let series: [String] = ["#1F3A5F", "#B07A1E", "#2E7D6B", "#7B4F9D", "#5F6B73"]
    /// Axis lines, tick marks.
    public static let axis = "#6B6B6B"
    /// Light grid lines.
    public static let grid = "#E6E6E6"
    /// Tick labels and secondary text.
    public static let mutedText = "#555555"
    /// Titles.
    public static let text = "#1A1A1A"

    /// The colour of a statistic's line.
    public static func statistic(_ role: StatisticRole) -> String {
        switch role {
        case .global: return "#1F3A5F"
        case .local: return "#6A3D9A"
        case .auxiliary: return "#2E7D6B"
        }
    }

    /// The colour of the `k`-th group (0-based), cycling through Tableau 10.
    public static func group(_ k: Int) -> String {
        groups[((k % groups.count) + groups.count) % groups.count]
    }
}
