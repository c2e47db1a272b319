import ArgumentParser
import GGMDetection
import GGMEstimation


/// Settings of the online procedure shared by `monitor` and `calibrate`.
struct DetectionOptions: ParsableArguments {
    @Option(help: "Statistics that raise alarms: global (KMA, all nodes' conditional likelihoods), local (max-norm, single edges and nodes) or combined.")
    var detector: DetectorKind = .combined

    @Option(name: .customLong("burn-in"), parsing: .unconditional, help: "Observations used to estimate the reference network at the start and after each alarm (N).")
    var burnIn: Int = MonitorConfiguration().burnIn

    @Option(parsing: .unconditional, help: "Window length (w).")
    var window: Int = MonitorConfiguration().window

    @Option(help: ArgumentHelp("Several window lengths at once, e.g. 10,25,50: each gets its global and local statistics (global@10, local@10, ...; the longest is the window, overriding --window, and its statistics keep their names), all under one false-alarm budget. Short windows see large changes within a few observations, long ones small changes.", valueName: "w1,w2,..."),
            transform: WindowList.parse)
    var windows: [Int]?

    @Option(name: .customLong("refit-every"), parsing: .unconditional, help: "Refit the reference after this many quiet steps (B); 0 disables refits.")
    var refitEvery: Int = MonitorConfiguration().refitEvery

    @Option(help: "Reference estimator: nodewise (default for monitoring: scores residual variances directly) or glasso.")
    var method: EstimationMethod = MonitorConfiguration.defaultEstimator.method

    @Option(parsing: .unconditional, help: "Fixed lasso penalty on standardized data (default: the theory rate c sqrt(log p / n)).")
    var lambda: Double?

    @Option(name: .customLong("theory-constant"), parsing: .unconditional, help: "Constant c of the theory rate lambda = c sqrt(log p / n).")
    var theoryConstant: Double = NetworkEstimator.defaultTheoryConstant

    @Option(help: "Lags of the dynamic reference: 0 (rows scored as independent), a number L (a sparse VAR(L) whose innovations are scored), or auto (0 unless the burn-in is serially dependent, then the L in 1...2 with the smallest BIC; auto:M up to M).")
    var lags: LagOrder = MonitorConfiguration().lags

    @Option(parsing: .unconditional, help: "Reference memory: N (refits use the last N observations before the window: a rolling reference, for systems that drift slowly; at least --burn-in) or expanding (every observation since the start or the last alarm).",
            transform: ReferenceMemory.parse)
    var memory: ReferenceMemory = .expanding

    @Option(name: .customLong("restart-burn-in"), parsing: .unconditional, help: "After an alarm, resume monitoring once M observations give a first reference (M < --burn-in), with thresholds calibrated for that short reference, and switch to the regular thresholds when the segment holds --burn-in observations. Default: a full burn-in after each alarm, during which no change can be detected.")
    var restartBurnIn: Int?

    @Option(name: .customLong("report-count"), parsing: .unconditional, help: "Nodes and edges named in each alarm.")
    var reportCount: Int = 5

    /// The longest window (the monitor's) and the others.
    var windowSet: (window: Int, short: [Int]) {
        windows.flatMap(WindowList.split) ?? (window, [])
    }

    func validate() throws {
        if let windows {
            if let bad = windows.first(where: { $0 < 2 }) { throw ValidationError("--windows: every window must be at least 2 observations (got \(bad)).") }
            if let duplicate = windows.first(where: { w in windows.filter { $0 == w }.count > 1 }) {
                throw ValidationError("--windows: window \(duplicate) is given twice; give each length once.")
            }
            if let memory = memory.observations, let longest = windows.max(), longest > memory {
                throw ValidationError("--windows: the longest window (\(longest)) is longer than --memory (\(memory)).")
            }
        }
        guard window >= 2 else { throw ValidationError("--window must be at least 2.") }
        guard burnIn >= 2 else { throw ValidationError("--burn-in must be at least 2.") }
        guard refitEvery >= 0 else { throw ValidationError("--refit-every must be 0 (never) or positive.") }
        if let lambda, !(lambda >= 0 && lambda.isFinite) { throw ValidationError("--lambda must be a non-negative number.") }
        guard theoryConstant > 0, theoryConstant.isFinite else { throw ValidationError("--theory-constant must be positive.") }
        guard reportCount >= 1 else { throw ValidationError("--report-count must be at least 1.") }
        if let memory = memory.observations {
            guard memory >= burnIn else {
                throw ValidationError("--memory must be at least --burn-in (\(burnIn)): the first reference is fitted on the burn-in (got \(memory)).")
            }
            guard refitEvery > 0 else { throw ValidationError("--memory needs refits: --refit-every 0 never re-estimates the reference.") }
        }
        if let m = restartBurnIn, !(m >= NetworkScore.minimumBurnIn && m < burnIn) {
            throw ValidationError("--restart-burn-in must be at least \(NetworkScore.minimumBurnIn) and shorter than --burn-in (\(burnIn)) (got \(m)).")
        }
    }

    func configuration(thresholds: ThresholdRule) -> MonitorConfiguration {
        let (window, short) = windowSet
        return MonitorConfiguration(
            burnIn: burnIn, window: window, refitEvery: refitEvery, detector: detector, thresholds: thresholds,
            estimator: NetworkEstimator(method: method, lambda: lambda.map { .fixed($0) } ?? .theory(c: theoryConstant)),
            reportCount: reportCount, lags: lags, memory: memory.observations,
            restartBurnIn: restartBurnIn, shortWindows: short)
    }
}

/// How alarm thresholds are set, shared by `monitor` and `calibrate`.
struct ThresholdOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Target average run length: mean number of monitored observations between false alarms (calibrated by Monte Carlo). Default \(Int(ThresholdOptions.defaultARL)).")
    var arl: Double?

    @Option(name: .customLong("false-alarm-prob"), parsing: .unconditional, help: "Target probability of a false alarm within --horizon monitored observations (calibrated).")
    var falseAlarmProbability: Double?

    @Option(parsing: .unconditional, help: "Horizon for --false-alarm-prob (observations after the burn-in).")
    var horizon: Int?

    @Option(parsing: .unconditional, help: "The papers' per-window level: threshold z_{1-alpha} (global) and the Gumbel tau(p, alpha) (local), alpha split in two for combined. Not a false-alarm rate.")
    var alpha: Double?

    @Option(parsing: .unconditional, help: "Explicit threshold for the global statistic.")
    var threshold: Double?

    @Option(name: .customLong("local-threshold"), parsing: .unconditional, help: "Explicit threshold for the local statistic.")
    var localThreshold: Double?

    @Option(help: "Null the calibration simulates: gaussian (the fitted network, through the fitted lags if any), bootstrap (burn-in rows resampled: heavy tails and model misfit included), block (a stationary block bootstrap of the burn-in with an automatic block length: serial dependence kept too) or auto (block when the burn-in is serially dependent or heavy-tailed, gaussian otherwise). With a fixed --reference there is no burn-in and gaussian is used.")
    var null: NullModel = CalibrationSettings().null

    @Option(parsing: .unconditional, help: "Monte Carlo replicates for calibration.")
    var replicates: Int = CalibrationSettings().replicates

    @Option(parsing: .unconditional, help: "Seed of the calibration's simulations.")
    var seed: UInt64 = 1

    static let defaultARL = ThresholdChoice.defaultARL

    /// The options as the library's threshold choice (one set of checks for every front end).
    var choice: ThresholdChoice {
        ThresholdChoice(arl: arl, falseAlarmProb: falseAlarmProbability, horizon: horizon, alpha: alpha,
                        threshold: threshold, localThreshold: localThreshold, null: null, replicates: replicates, seed: seed)
    }

    /// The command-line spelling of a threshold setting's library name.
    static func spell(_ name: String) -> String {
        switch name {
        case "falseAlarmProb": return "--false-alarm-prob"
        case "localThreshold": return "--local-threshold"
        default: return "--" + name
        }
    }

    func validate() throws {
        if let problem = choice.problem(spell: Self.spell) {
            throw ValidationError(problem.prefix(1).uppercased() + problem.dropFirst() + ".")
        }
    }

    /// The threshold rule; explicit thresholds must cover the statistics the detector uses.
    func rule(detector: DetectorKind, severalWindows: Bool = false) throws -> ThresholdRule {
        switch choice.rule(detector: detector, severalWindows: severalWindows, spell: Self.spell) {
        case let .success(rule): return rule
        case let .failure(error): throw ValidationError(error.message.prefix(1).uppercased() + error.message.dropFirst() + ".")
        }
    }
}

extension CalibrationTarget {
    var averageRunLengthValue: Double? {
        if case let .averageRunLength(a) = self { return a }
        return nil
    }
}
