import Foundation
import GGMCore

/// Prices to returns: pure functions of a ``Dataset``.
public enum ReturnsTransform {
    /// Daily log returns `r[t, j] = log(P[t+1, j] / P[t, j])`: n - 1 rows, labelled with the
    /// later row's label (a return dated D is the change from the previous row to D).
    ///
    /// - Throws: ``DataError/nonPositivePrice(row:label:node:name:value:)`` for a price that is
    ///   not positive and finite, ``DataError/tooFewRows(found:)`` for fewer than 2 prices.
    public static func logReturns(_ prices: Dataset) throws(DataError) -> Dataset {
        let n = prices.rowCount
        let p = prices.columnCount
        guard n >= 2 else { throw .tooFewRows(found: n) }
        let a = prices.values.elements
        for k in a.indices where !(a[k] > 0 && a[k].isFinite) {
            let (i, j) = k.quotientAndRemainder(dividingBy: p)
            throw .nonPositivePrice(row: i, label: prices.label(ofRow: i), node: j, name: prices.names[j], value: a[k])
        }
        var r = [Double](repeating: 0, count: (n - 1) * p)
        let logs = a.map { log($0) }
        for k in r.indices { r[k] = logs[k + p] - logs[k] }
        return Dataset(names: prices.names, rowLabels: prices.rowLabels.map { Array($0.dropFirst()) },
                       values: Matrix(rows: n - 1, columns: p, elements: r))
    }

    /// Clips each column to `median +- k * sd`, with `sd` = 1.4826 MAD of the column (robust to
    /// the tails being clipped). Columns with MAD 0 are left alone.
    ///
    /// - Returns: the clipped data and, per row, how many of its cells were clipped.
    public static func winsorize(_ data: Dataset, at k: Double = 5) -> (data: Dataset, clippedPerRow: [Int]) {
        precondition(k > 0, "Winsorizing needs a positive threshold")
        var out = data
        let n = data.rowCount
        let p = data.columnCount
        var clipped = [Int](repeating: 0, count: n)
        for j in 0..<p {
            let column = data.values.column(j)
            let center = RobustStatistics.median(column)
            let sd = RobustStatistics.scale(column, center: center)
            guard sd > 0 else { continue }
            let lo = center - k * sd
            let hi = center + k * sd
            for i in 0..<n {
                let x = column[i]
                if x < lo { out.values[i, j] = lo; clipped[i] += 1 } else if x > hi { out.values[i, j] = hi; clipped[i] += 1 }
            }
        }
        return (out, clipped)
    }

    /// z-scores per column, `(x - mean) / sd`, with the column's sample mean and SD (n - 1).
    ///
    /// - Throws: ``DataError/constantColumn(node:name:value:)`` for a column with SD 0,
    ///   ``DataError/tooFewRows(found:)`` for fewer than 2 rows.
    public static func standardize(_ data: Dataset) throws(DataError) -> Dataset {
        let n = data.rowCount
        let p = data.columnCount
        guard n >= 2 else { throw .tooFewRows(found: n) }
        var out = data
        for j in 0..<p {
            let column = data.values.column(j)
            let mean = column.reduce(0, +) / Double(n)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            guard variance > 0 else { throw .constantColumn(node: j, name: data.names[j], value: column[0]) }
            let sd = variance.squareRoot()
            for i in 0..<n { out.values[i, j] = (column[i] - mean) / sd }
        }
        return out
    }

    /// Returns divided by their causal EWMA volatility (see ``VolatilityScaling``); the first
    /// `warmUp` rows are dropped. Where the EWMA variance is 0 the scaled value is 0.
    ///
    /// - Throws: ``DataError/tooFewRows(found:)`` unless there are more rows than `warmUp`.
    public static func scaleByVolatility(_ data: Dataset, _ scaling: VolatilityScaling = .riskMetrics) throws(DataError) -> Dataset {
        let n = data.rowCount
        let p = data.columnCount
        let w = scaling.warmUp
        guard n > w else { throw .tooFewRows(found: n) }
        let x = data.values
        var variance = [Double](repeating: 0, count: p)
        for i in 0..<w { for j in 0..<p { variance[j] += x[i, j] * x[i, j] / Double(w) } }
        var out = Matrix(rows: n - w, columns: p)
        for i in w..<n {
            for j in 0..<p {
                let v = x[i, j]
                out[i - w, j] = variance[j] > 0 ? v / variance[j].squareRoot() : 0
                variance[j] = scaling.lambda * variance[j] + (1 - scaling.lambda) * v * v
            }
        }
        return Dataset(names: data.names, rowLabels: data.rowLabels.map { Array($0[w...]) }, values: out)
    }

    /// Prices to model-ready returns: log returns, split removal, winsorizing, EWMA volatility
    /// scaling (each as `options` say), then rows `from...to` by label, then standardization.
    ///
    /// The first four steps see the whole series, so the split rule can look at the days after
    /// a jump and the EWMA at the days before the range. The report counts splits and clipped
    /// cells within the selected rows.
    public static func preprocess(prices: Dataset, options: PreprocessingOptions = .standard,
                                  from: String? = nil, to: String? = nil) throws(DataError) -> (Dataset, PreprocessingReport) {
        var report = PreprocessingReport()
        var data = try logReturns(prices)
        var splits: [SplitEvent] = []
        if let detector = options.splitDetector {
            splits = detector.detect(in: data)
            data = SplitDetector.remove(splits, from: data)
        }
        var clippedPerRow = [Int](repeating: 0, count: data.rowCount)
        if let k = options.winsorizeAt {
            (data, clippedPerRow) = winsorize(data, at: k)
            report.winsorizeThreshold = k
        }
        var firstRow = 0
        if let scaling = options.volatilityScaling {
            data = try scaleByVolatility(data, scaling)
            firstRow = scaling.warmUp
            report.volatilityScaled = true
            report.warmUpRowsDropped = scaling.warmUp
        }
        var selected = firstRow..<(firstRow + data.rowCount)
        if from != nil || to != nil {
            let labels = data.rowLabels ?? []
            data = try data.rows(from: from, to: to)
            let start = labels.firstIndex(of: data.rowLabels![0])! + firstRow
            selected = start..<(start + data.rowCount)
        }
        if options.standardize {
            data = try standardize(data)
            report.standardized = true
        }
        report.splits = splits.filter { selected.contains($0.row) }.map { e in
            var e = e
            e.row -= selected.lowerBound
            return e
        }
        report.winsorizedCells = clippedPerRow[selected].reduce(0, +)
        report.rows = data.rowCount
        report.columns = data.columnCount
        return (data, report)
    }
}
