import Foundation
import GGMData
import GGMDetection
import GGMEstimation

/// The in-control (Phase I / Phase II) workflow: the model and its thresholds come from a file
/// of normal operation; the live stream is monitored against them from its first row.
enum InControl {
    /// Rows an in-control sample needs for `p` nodes: a window and at least the network score's
    /// minimum burn-in, plus the lags (which only serve as regressors).
    static func minimumRows(configuration: MonitorConfiguration) -> Int {
        let lags: Int
        switch configuration.lags {
        case let .fixed(l): lags = l
        case let .auto(m): lags = m
        }
        return max(configuration.window, NetworkScore.minimumBurnIn) + lags + 1
    }

    /// A monitor fitted and calibrated on the in-control file, ready for the live stream's row 0.
    static func monitor(path: String, names: [String], configuration: MonitorConfiguration, restart: Bool,
                        format: InputFormatOptions, quiet: Bool) throws -> OnlineMonitor {
        let dataset = try DataOptions.loadDatasetWithNotes(path: path, sp500: false, from: nil, to: nil,
                                                           read: format.readOptions).dataset
        return try monitor(dataset: dataset, path: path, names: names, configuration: configuration, restart: restart, quiet: quiet)
    }

    /// The same from a loaded in-control data set (`fit --in-control`, `calibrate --in-control`).
    static func monitor(dataset: Dataset, path: String, names: [String], configuration: MonitorConfiguration,
                        restart: Bool, quiet: Bool, prefix: String = "monitor") throws -> OnlineMonitor {
        guard dataset.names == names else {
            let mismatch = NodeNameMismatch.first(expected: dataset.names, found: names)
            throw RunError("the in-control data \(path) has other columns than the live data: \(mismatch.map(String.init(describing:)) ?? "node names differ")")
        }
        let needed = minimumRows(configuration: configuration)
        guard dataset.rowCount >= needed else {
            throw RunError("the in-control data \(path) has \(dataset.rowCount) rows; at least \(needed) are needed for a window of \(configuration.window) and lags \(configuration.lags) (and many more for a reliable reference: about 10 p = \(10 * names.count) or more)")
        }
        if let memory = configuration.memory {
            guard restart else {
                throw RunError("--memory applies to a reference the monitor refits; with --in-control the in-control model is kept (add --restart to re-estimate the reference after each alarm, with the memory)")
            }
            guard memory >= dataset.rowCount else {
                throw RunError("--memory \(memory) is shorter than the in-control data \(path) (\(dataset.rowCount) rows), from which the first reference is fitted")
            }
        }
        if let m = configuration.restartBurnIn {
            guard restart else {
                throw RunError("--restart-burn-in applies when the monitor restarts after an alarm; with --in-control it keeps the in-control model (add --restart)")
            }
            guard m < dataset.rowCount else {
                throw RunError("--restart-burn-in \(m) must be shorter than the in-control data \(path) (\(dataset.rowCount) rows), the regular burn-in")
            }
        }
        var settings = configuration
        settings.burnIn = dataset.rowCount
        settings.afterAlarm = restart ? .restart : .continue
        if !restart { settings.refitEvery = 0 }
        var monitor = try OnlineMonitor(dimension: names.count, configuration: settings, names: names)
        let progress = CalibrationProgress(prefix: prefix)
        let replicates: Int? = {
            if case let .calibrated(c) = settings.thresholds { return c.replicates }
            return nil
        }()
        do {
            for t in 0..<dataset.rowCount {
                _ = try monitor.process(dataset.values.row(t), label: dataset.label(ofRow: t),
                                        isCancelled: { progress.tick(of: replicates); return false })
            }
            try monitor.beginLiveStream()
        } catch {
            throw RunError("the in-control data \(path): \(error)")
        }
        if !quiet {
            var line = "\(prefix): in-control model from \(path): \(dataset.rowCount) rows, \(monitor.network?.edgeCount ?? 0) edges"
            if let t = monitor.thresholds {
                line += "; thresholds " + t.ids.map { "\($0) " + String(format: "%.3f", t[$0]!) }.joined(separator: ", ")
            }
            FileHandle.standardError.write(line + "\n")
        }
        return monitor
    }
}

/// What the reference's dynamic part is, in words.
enum DynamicsNote {
    static func describe(_ score: NetworkScore) -> String? {
        let assessment = score.serialDependence
        switch (score.lags, score.dynamics) {
        case let (l?, fit?) where l > 0:
            var text = "lags \(l): a sparse VAR(\(l)) with \(fit.nonzeroCount) lag coefficients, innovations scored"
            if let assessment { text += " (the burn-in is serially dependent: \(assessment.summary))" }
            return text
        case (0?, _):
            if let assessment { return "lags 0 (no serial dependence found: \(assessment.summary))" }
            return nil
        default:
            return nil
        }
    }
}

extension ThresholdOptions {
    /// Whether any option that sets thresholds was given (otherwise a model file's thresholds apply).
    var anyGiven: Bool { choice.anyGiven }
}

extension NetworkFile {
    /// The monitor of `monitor --reference` for this file: its network (with its lags, when it has
    /// any) as the fixed reference and, for an in-control model with thresholds when none are
    /// given on the command line, those thresholds with the continue-after-alarm policy.
    func fixedMonitor(path: String, configuration: MonitorConfiguration, thresholdsGiven: Bool,
                      restart: Bool) throws -> OnlineMonitor {
        var configuration = configuration
        if let thresholds, let inControl, !thresholdsGiven {
            guard inControl.window == configuration.window, inControl.detector == configuration.detector else {
                throw RunError("the thresholds in \(path) were calibrated for the \(inControl.detector.rawValue) detector with a window of \(inControl.window); give --detector \(inControl.detector.rawValue) --window \(inControl.window), or recalibrate (--arl, --false-alarm-prob)")
            }
            guard configuration.shortWindows.isEmpty else {
                throw RunError("the thresholds in \(path) are for one window; with --windows calibrate them for all windows (--arl or --false-alarm-prob)")
            }
            configuration.thresholds = .fixed(global: thresholds.global, local: thresholds.local)
            configuration.afterAlarm = restart ? .restart : .continue
        }
        return try OnlineMonitor(reference: referenceModel(path: path), configuration: configuration, names: names,
                                 dynamics: dynamics(), dataMean: mean)
    }
}
