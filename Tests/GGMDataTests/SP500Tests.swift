import Foundation
import Testing
@testable import GGMData

@Suite struct SP500Tests {
    @Test func pricesAndCompanies() throws {
        let prices = try SP500.prices()
        #expect(prices.rowCount == 1258 && prices.columnCount == 452)
        #expect(prices.rowLabels?.first == "2002-12-31")
        #expect(prices.rowLabels!.allSatisfy { $0 >= "2002-12-31" && $0 <= "2008-01-01" })
        #expect(prices.rowLabels == prices.rowLabels!.sorted())
        let companies = try SP500.companies()
        #expect(companies.map(\.ticker) == prices.names)
        #expect(companies.first { $0.ticker == "CA" }?.name == "CA, Inc.")
        let groups = try SP500.groups()
        #expect(groups.unlisted(prices.names).isEmpty)
        #expect(groups.groups.count == 10)
        #expect(groups.group(of: "AAPL") == "Information Technology")
    }

    @Test func preprocessedReturns() throws {
        let (returns, report) = try SP500.returns()
        #expect(returns.rowCount == 1257 && returns.columnCount == 452)
        #expect(returns.rowLabels?.first == "2003-01-02")
        #expect(returns.values.elements.allSatisfy { abs($0) <= 0.3 })
        print("S&P 500: \(report.splits.count) splits removed, \(report.winsorizedCells) cells winsorized")
        #expect(report.splits.count >= 150 && report.splits.count <= 250)
        let found = Set(report.splits.map { "\($0.name) \($0.label!) \($0.ratio)" })
        for known in ["AAPL 2005-02-28 2-for-1", "PCLN 2003-06-13 1-for-6", "JDSU 2006-10-17 1-for-8",
                      "UNH 2003-06-18 2-for-1", "ISRG 2003-06-30 1-for-2", "SLM 2003-06-20 3-for-1"] {
            #expect(found.contains(known), "\(known)")
        }
        // Genuine crashes are not splits: E*Trade on 2007-11-12 (-59%), Netflix on 2004-07-15 (-28%).
        let crashes = report.splits.filter { ($0.name == "ETFC" && $0.label == "2007-11-12") || ($0.name == "NFLX" && $0.label == "2004-07-15") }
        #expect(crashes.isEmpty)
    }

    @Test func dateRange() throws {
        let (returns, report) = try SP500.returns(from: "2005-01-01", to: "2005-12-31")
        #expect(returns.rowLabels?.first == "2005-01-03" && returns.rowLabels?.last == "2005-12-30")
        #expect(report.splits.allSatisfy { $0.label! >= "2005-01-01" && $0.label! <= "2005-12-31" })
        #expect(report.splits.allSatisfy { returns.label(ofRow: $0.row) == $0.label })
        #expect(report.splits.contains { $0.name == "AAPL" })
        let options = PreprocessingOptions(standardize: true)
        let (z, _) = try SP500.returns(from: "2005-01-01", to: "2005-12-31", options: options)
        let c = z.values.column(0)
        #expect(abs(c.reduce(0, +) / Double(c.count)) < 1e-12)
    }
}
