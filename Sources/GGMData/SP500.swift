import Foundation

/// The embedded S&P 500 data: daily closing prices of 452 stocks, 2003-01-02 to 2007-12-31
/// (1258 trading days, from the `stockdata` set of the R package `huge`), not adjusted for
/// splits, with dates reconstructed from the NYSE calendar (accurate to a day or two), and
/// each stock's GICS sector and company name.
public enum SP500 {
    /// A stock of the data set.
    public struct Company: Equatable, Sendable, Codable {
        public var ticker: String
        public var sector: String
        public var name: String
    }

    /// Closing prices: 1258 rows labelled by ISO date, 452 columns named by ticker.
    public static func prices() throws(DataError) -> Dataset { try cachedPrices.get() }

    /// The 452 stocks, in column order.
    public static func companies() throws(DataError) -> [Company] { try cachedCompanies.get() }

    /// Ticker -> GICS sector.
    public static func groups() throws(DataError) -> GroupMap {
        GroupMap(try companies().map { ($0.ticker, $0.sector) })
    }

    /// Daily log returns with the documented preprocessing (``PreprocessingOptions/standard``:
    /// split detection and removal, winsorizing at 5 robust SDs; standardization and EWMA
    /// scaling only if `options` ask), restricted to returns dated `from...to` (a return dated
    /// D is the change from the previous trading day to D). The preprocessing runs on the whole
    /// series before the dates are selected; see ``ReturnsTransform/preprocess(prices:options:from:to:)``.
    public static func returns(from: String? = nil, to: String? = nil,
                               options: PreprocessingOptions = .standard) throws(DataError) -> (Dataset, PreprocessingReport) {
        try ReturnsTransform.preprocess(prices: prices(), options: options, from: from, to: to)
    }

    private static func resourcePath(_ name: String) throws(DataError) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "sp500") else {
            throw .missingResource("sp500/\(name).csv")
        }
        return url.path
    }

    private static let cachedPrices: Result<Dataset, DataError> = Result { () throws(DataError) -> Dataset in
        try ObservationReader(path: resourcePath("prices"), labelColumn: true).readAll()
    }

    private static let cachedCompanies: Result<[Company], DataError> = Result { () throws(DataError) -> [Company] in
        let lines = try LineReader(path: resourcePath("tickers"))
        var record = CSVRecord()
        var companies: [Company] = []
        _ = try lines.nextLine()   // ticker,sector,name
        while let line = try lines.nextLine() {
            if line.isEmpty { continue }
            try record.split(line, lineNumber: lines.lineNumber)
            guard record.fields.count == 3 else {
                throw .raggedRow(line: lines.lineNumber, found: record.fields.count, expected: 3)
            }
            companies.append(Company(ticker: record.string(0, in: line), sector: record.string(1, in: line),
                                     name: record.string(2, in: line)))
        }
        return companies
    }
}
