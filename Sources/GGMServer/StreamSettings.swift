import GGMDetection
import GGMEstimation

/// A stream's monitor settings as the service takes them: the `settings` object of
/// `POST /v1/streams`, keyed by the library's names, every one optional, the defaults those of
/// `ggmwatch monitor`.
///
/// | key | value | CLI |
/// |---|---|---|
/// | `detector` | `"global"`, `"local"`, `"combined"` | `--detector` |
/// | `window` | integer | `--window` |
/// | `windows` | array of integers (the longest is the window) | `--windows` |
/// | `burnIn`, `refitEvery`, `reportCount`, `restartBurnIn` | integers | `--burn-in` ... |
/// | `memory` | integer or `"expanding"` | `--memory` |
/// | `lags` | integer, `"auto"` or `"auto:M"` | `--lags` |
/// | `method` | `"nodewise"`, `"glasso"` | `--method` |
/// | `lambda`, `theoryConstant` | numbers | `--lambda`, `--theory-constant` |
/// | `arl`, `falseAlarmProb` with `horizon`, `alpha`, `threshold`, `localThreshold` | numbers | threshold options |
/// | `null` | `"gaussian"`, `"bootstrap"`, `"block"`, `"auto"` | `--null` |
/// | `replicates`, `seed` | integers | `--replicates`, `--seed` |
/// | `groups` | object column name -> group | `--groups` |
///
/// An unknown key, a value of the wrong type or a value out of range is a ``SettingsError``
/// naming the setting.
public struct StreamSettings: Sendable, Equatable {
    public var configuration: MonitorConfiguration
    /// Group of each column (nil: none given).
    public var groups: [String?]?
    /// The settings as given (stored with the stream and shown in its status).
    public var given: [String: JSONValue]

    public static let keys: Set<String> = [
        "detector", "window", "windows", "burnIn", "refitEvery", "reportCount", "restartBurnIn", "memory", "lags",
        "method", "lambda", "theoryConstant", "arl", "falseAlarmProb", "horizon", "alpha", "threshold",
        "localThreshold", "null", "replicates", "seed", "groups",
    ]

    /// Reads and checks the settings for a stream with these columns.
    public init(_ settings: [String: JSONValue], columns: [String]) throws(SettingsError) {
        given = settings
        if let unknown = settings.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw SettingsError(setting: unknown, message: "unknown setting; the settings are \(Self.keys.sorted().joined(separator: ", "))")
        }
        let reader = Reader(settings: settings)
        let defaults = MonitorConfiguration()
        let detector: DetectorKind = try reader.enumeration("detector") ?? defaults.detector
        var window = try reader.integer("window", minimum: 2) ?? defaults.window
        var shortWindows: [Int] = []
        if let windows = try reader.integers("windows", minimum: 2) {
            guard settings["window"] == nil else {
                throw SettingsError(setting: "windows", message: "give window or windows, not both (the longest of windows is the window)")
            }
            guard let longest = windows.max() else { throw SettingsError(setting: "windows", message: "give at least one window length") }
            window = longest
            shortWindows = Array(windows.sorted().dropLast())
        }
        let burnIn = try reader.integer("burnIn", minimum: 2) ?? defaults.burnIn
        let refitEvery = try reader.integer("refitEvery", minimum: 0) ?? defaults.refitEvery
        let reportCount = try reader.integer("reportCount", minimum: 1) ?? defaults.reportCount
        let restartBurnIn = try reader.integer("restartBurnIn", minimum: NetworkScore.minimumBurnIn)
        var memory: Int?
        switch settings["memory"] {
        case nil, .string("expanding")?: memory = nil
        default: memory = try reader.integer("memory", minimum: 1, alternatives: "or \"expanding\"")
        }
        var lags = defaults.lags
        switch settings["lags"] {
        case nil: break
        case let .string(text)?:
            guard let order = LagOrder(parsing: text) else {
                throw SettingsError(setting: "lags", message: "takes a number of lags (0 to \(LagOrder.maximumLags)), \"auto\" or \"auto:M\" (got \"\(text)\")")
            }
            lags = order
        default:
            let l = try reader.integer("lags", minimum: 0, alternatives: "or \"auto\"")!
            guard let order = LagOrder(parsing: String(l)) else {
                throw SettingsError(setting: "lags", message: "must be between 0 and \(LagOrder.maximumLags) (got \(l))")
            }
            lags = order
        }
        let method: EstimationMethod = try reader.enumeration("method") ?? MonitorConfiguration.defaultEstimator.method
        let lambda = try reader.number("lambda", where: { $0 >= 0 }, requirement: "a non-negative number")
        let theoryConstant = try reader.number("theoryConstant", where: { $0 > 0 }, requirement: "a positive number")
            ?? NetworkEstimator.defaultTheoryConstant
        let defaultsCalibration = CalibrationSettings()
        let choice = ThresholdChoice(
            arl: try reader.number("arl"), falseAlarmProb: try reader.number("falseAlarmProb"),
            horizon: try reader.integer("horizon", minimum: 1), alpha: try reader.number("alpha"),
            threshold: try reader.number("threshold"), localThreshold: try reader.number("localThreshold"),
            null: try reader.enumeration("null") ?? defaultsCalibration.null,
            replicates: try reader.integer("replicates", minimum: 20) ?? defaultsCalibration.replicates,
            seed: UInt64(try reader.integer("seed", minimum: 0) ?? 1))
        let thresholds: ThresholdRule
        switch choice.rule(detector: detector, severalWindows: !shortWindows.isEmpty, spell: { $0 }) {
        case let .success(rule): thresholds = rule
        case let .failure(error):
            let named = ["arl", "falseAlarmProb", "horizon", "alpha", "threshold", "localThreshold", "replicates"]
                .first { error.message.hasPrefix($0) } ?? "thresholds"
            throw SettingsError(setting: named, message: error.message)
        }
        configuration = MonitorConfiguration(
            burnIn: burnIn, window: window, refitEvery: refitEvery, detector: detector, thresholds: thresholds,
            estimator: NetworkEstimator(method: method, lambda: lambda.map { .fixed($0) } ?? .theory(c: theoryConstant)),
            reportCount: reportCount, lags: lags, memory: memory, restartBurnIn: restartBurnIn, shortWindows: shortWindows)
        do {
            try configuration.validate(dimension: columns.count, fixedReference: false)
        } catch {
            let message: String
            if case let .invalidConfiguration(text) = error { message = text } else { message = error.description }
            throw SettingsError(setting: Self.settingNamed(in: message), message: message)
        }
        switch settings["groups"] {
        case nil: groups = nil
        case let .object(map)?:
            let known = Set(columns)
            if let stray = map.keys.sorted().first(where: { !known.contains($0) }) {
                throw SettingsError(setting: "groups", message: "\"\(stray)\" is not a column of the stream")
            }
            var out: [String?] = []
            for column in columns {
                switch map[column] {
                case nil: out.append(nil)
                case let .string(group)?: out.append(group)
                case let value?: throw SettingsError(setting: "groups", message: "the group of \"\(column)\" must be a string (got \(value.text))")
                }
            }
            groups = out
        case let value?:
            throw SettingsError(setting: "groups", message: "must be an object mapping column names to groups (got \(value.text))")
        }
    }

    /// The setting a library message is about (its first word that is a setting's name in prose).
    static func settingNamed(in message: String) -> String {
        let words: [(String, String)] = [
            ("restart burn-in", "restartBurnIn"), ("burn-in", "burnIn"), ("memory", "memory"), ("refit", "refitEvery"),
            ("window", "window"), ("lags", "lags"), ("report count", "reportCount"), ("alpha", "alpha"),
            ("average run length", "arl"), ("replicates", "replicates"), ("nodes", "columns"), ("node", "columns"),
        ]
        let lower = message.lowercased()
        var best: (String.Index, String)?
        for (word, setting) in words {
            guard let bound = lower.range(of: word)?.lowerBound else { continue }
            if best == nil || bound < best!.0 { best = (bound, setting) }
        }
        return best?.1 ?? "settings"
    }

    private struct Reader {
        let settings: [String: JSONValue]

        func integer(_ key: String, minimum: Int, alternatives: String = "") throws(SettingsError) -> Int? {
            guard let value = settings[key] else { return nil }
            guard case let .number(d) = value, d == d.rounded(), abs(d) < 1e15 else {
                throw SettingsError(setting: key, message: "must be an integer\(alternatives.isEmpty ? "" : " " + alternatives) (got \(value.text))")
            }
            guard Int(d) >= minimum else { throw SettingsError(setting: key, message: "must be at least \(minimum) (got \(value.text))") }
            return Int(d)
        }

        func integers(_ key: String, minimum: Int) throws(SettingsError) -> [Int]? {
            guard let value = settings[key] else { return nil }
            guard case let .array(items) = value else { throw SettingsError(setting: key, message: "must be an array of integers (got \(value.text))") }
            var out: [Int] = []
            for item in items {
                guard case let .number(d) = item, d == d.rounded(), abs(d) < 1e15, Int(d) >= minimum else {
                    throw SettingsError(setting: key, message: "every entry must be an integer of at least \(minimum) (got \(item.text))")
                }
                out.append(Int(d))
            }
            return out
        }

        func number(_ key: String, where valid: (Double) -> Bool = { _ in true }, requirement: String = "a number") throws(SettingsError) -> Double? {
            guard let value = settings[key] else { return nil }
            guard case let .number(d) = value, d.isFinite, valid(d) else {
                throw SettingsError(setting: key, message: "must be \(requirement) (got \(value.text))")
            }
            return d
        }

        func enumeration<T: RawRepresentable & CaseIterable>(_ key: String) throws(SettingsError) -> T? where T.RawValue == String {
            guard let value = settings[key] else { return nil }
            guard case let .string(text) = value, let out = T(rawValue: text) else {
                throw SettingsError(setting: key, message: "must be one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")) (got \(value.text))")
            }
            return out
        }
    }
}

/// A setting that cannot be used: which one, and why.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let setting: String
    public let message: String
    public var description: String { "setting \(setting): \(message)" }
}
