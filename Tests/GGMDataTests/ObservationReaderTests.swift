import Foundation
import Testing
@testable import GGMData

@Suite(.temporaryFiles) struct ObservationReaderTests {
    @Test func headerAndDateLabels() throws {
        let path = temporaryCSV("date,A,B,C\n2020-01-01,1,2,3\n2020-01-02,4.5,-5e-1,6\n")
        let data = try Dataset.load(csv: path)
        #expect(data.names == ["A", "B", "C"])
        #expect(data.rowLabels == ["2020-01-01", "2020-01-02"])
        #expect(data.values.rowArrays == [[1, 2, 3], [4.5, -0.5, 6]])
        let reader = try ObservationReader(path: path)
        #expect(reader.hasHeader && reader.hasLabels && reader.labelName == "date")
    }

    @Test func noHeaderNoLabels() throws {
        let data = try Dataset.load(csv: temporaryCSV("1,2,3\n4,5,7\n"))
        #expect(data.names == ["x1", "x2", "x3"])
        #expect(data.rowLabels == nil)
        #expect(data.values.rowArrays == [[1, 2, 3], [4, 5, 7]])
    }

    @Test func headerWithoutLabels() throws {
        let data = try Dataset.load(csv: temporaryCSV("u,v\n1,2\n3,5\n"))
        #expect(data.names == ["u", "v"])
        #expect(data.rowLabels == nil)
    }

    @Test func labelsWithoutHeader() throws {
        let data = try Dataset.load(csv: temporaryCSV("t1,1,2\nt2,3,5\n"))
        #expect(data.names == ["x1", "x2"])
        #expect(data.rowLabels == ["t1", "t2"])
    }

    @Test func forcedLabelColumnThatLooksNumeric() throws {
        let path = temporaryCSV("year,a,b\n2001,1,2\n2002,3,5\n")
        let auto = try Dataset.load(csv: path)
        #expect(auto.names == ["year", "a", "b"])
        let forced = try Dataset.load(csv: path, labelColumn: true)
        #expect(forced.names == ["a", "b"])
        #expect(forced.rowLabels == ["2001", "2002"])
        #expect(forced.values.rowArrays == [[1, 2], [3, 5]])
    }

    @Test func crlfFinalLineWithoutNewlineAndBlankLines() throws {
        let data = try Dataset.load(csv: temporaryCSV("\u{FEFF}a,b\r\n1,2\r\n\r\n3,4\r\n5,6\n\n\n"))
        #expect(data.names == ["a", "b"])
        #expect(data.values.rowArrays == [[1, 2], [3, 4], [5, 6]])
        let noNewline = try Dataset.load(csv: temporaryCSV("a,b\r\n1,2\r\n3,4"))
        #expect(noNewline.values.rowArrays == [[1, 2], [3, 4]])
    }

    @Test func quotedHeaderAndLabels() throws {
        let path = temporaryCSV("\"date, ISO\",\"Smith, J\",\"say \"\"hi\"\"\"\n\"2020-01-01, Mon\",1,\"2\"\n\"2020-01-02, Tue\",3,4\n")
        let data = try Dataset.load(csv: path)
        #expect(data.names == ["Smith, J", "say \"hi\""])
        #expect(data.rowLabels == ["2020-01-01, Mon", "2020-01-02, Tue"])
        #expect(data.values.rowArrays == [[1, 2], [3, 4]])
        #expect(try ObservationReader(path: path).labelName == "date, ISO")
    }

    @Test func observationsCarryIndexLineAndLabel() throws {
        let reader = try ObservationReader(path: temporaryCSV("d,a,b\n\nx,1,2\ny,3,4\n"))
        let rows = try drain(reader)
        #expect(rows == [Observation(index: 0, line: 3, label: "x", values: [1, 2]),
                         Observation(index: 1, line: 4, label: "y", values: [3, 4])])
    }

    @Test func largeFileAcrossManyBuffers() throws {
        var text = "t,a,b,c\n"
        for i in 0..<20_000 { text += "r\(i),\(i),\(Double(i) * 0.25),\(-i)\r\n" }
        let data = try Dataset.load(csv: temporaryCSV(text))
        #expect(data.rowCount == 20_000)
        #expect(data.values.row(19_999) == [19_999, 4999.75, -19_999])
        #expect(data.rowLabels?.last == "r19999")
    }

    // MARK: Errors name line, column, name and text

    @Test func raggedRow() {
        let path = temporaryCSV("d,a,b\nx,1,2\ny,3\nz,5,6\n")
        let error = dataError { () throws(DataError) in try Dataset.load(csv: path) }
        #expect(error == .raggedRow(line: 3, found: 2, expected: 3))
        #expect(error?.description == "line 3 has 2 fields, expected 3")
    }

    @Test func tooManyFieldsIsRaggedEvenWithBadCells() {
        let path = temporaryCSV("a,b\n1,2\n3,4,oops\n")
        let error = dataError { () throws(DataError) in try Dataset.load(csv: path) }
        #expect(error == .raggedRow(line: 3, found: 3, expected: 2))
    }

    @Test func nonNumericCell() {
        let path = temporaryCSV("date,A,B,C\n2020-01-01,1,2,3\n2020-01-02,4,abc,6\n")
        let error = dataError { () throws(DataError) in try Dataset.load(csv: path) }
        #expect(error == .nonNumeric(line: 3, column: 3, name: "B", text: "abc"))
        #expect(error?.description == "line 3, column 3 (B): \"abc\" is not a number")
    }

    @Test func infiniteValues() {
        for text in ["Inf", "-inf", "1e999", "Infinity"] {
            let path = temporaryCSV("a,b\n1,2\n3,\(text)\n")
            let error = dataError { () throws(DataError) in try Dataset.load(csv: path) }
            #expect(error == .nonFinite(line: 3, column: 2, name: "b", text: text))
            #expect(error?.description == "line 3, column 2 (b): \"\(text)\" is not a finite number")
        }
    }

    @Test func missingValueIsAnErrorByDefault() {
        for text in ["", "NA", "NaN", "nan", "N/A"] {
            let path = temporaryCSV("a,b,c\n1,2,3\n4,\(text),6\n")
            let error = dataError { () throws(DataError) in try Dataset.load(csv: path) }
            #expect(error == .missingValue(line: 3, column: 2, name: "b", text: text))
            #expect(error?.description.hasPrefix("line 3, column 2 (b): missing value \"\(text)\"") == true)
        }
    }

    @Test func emptyInputAndHeaderOnly() {
        let empty = temporaryCSV("\n  \n")
        #expect(dataError { () throws(DataError) in try ObservationReader(path: empty) } == .emptyInput(source: empty))
        #expect(DataError.emptyInput(source: "f.csv").description == "f.csv is empty: no data rows")
        let headerOnly = temporaryCSV("a,b,c\n")
        let error = dataError { () throws(DataError) in try ObservationReader(path: headerOnly) }
        #expect(error == .headerOnly(source: headerOnly))
        #expect(error?.description == "\(headerOnly) has a header row but no data rows")
    }

    @Test func fewerThanTwoColumns() {
        let path = temporaryCSV("date,a\n2020-01-01,1\n2020-01-02,2\n")
        let error = dataError { () throws(DataError) in try ObservationReader(path: path) }
        #expect(error == .tooFewColumns(line: 1, found: 1))
        #expect(error?.description == "line 1 has 1 value column, need at least 2 (one column per node)")
        let single = temporaryCSV("1\n2\n")
        #expect(dataError { () throws(DataError) in try ObservationReader(path: single) } == .tooFewColumns(line: 1, found: 1))
    }

    @Test func cannotOpen() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString).csv").path
        let error = dataError { () throws(DataError) in try ObservationReader(path: path) }
        #expect(error == .cannotOpen(path: path, reason: "No such file or directory"))
        #expect(error?.description == "cannot open \"\(path)\": No such file or directory")
    }

    @Test func constantColumnAndTooFewRows() {
        let constant = temporaryCSV("a,b,c\n1,5,3\n2,5,4\n3,5,1\n")
        let error = dataError { () throws(DataError) in try Dataset.load(csv: constant) }
        #expect(error == .constantColumn(node: 1, name: "b", value: 5))
        #expect(error?.description == "column \"b\" (node 2) is constant (every value is 5.0); it has no variance")
        let oneRow = temporaryCSV("a,b\n1,2\n")
        #expect(dataError { () throws(DataError) in try Dataset.load(csv: oneRow) } == .tooFewRows(found: 1))
    }

    @Test func duplicateNamesAndBrokenQuotes() {
        let dup = temporaryCSV("d,a,b,a\nx,1,2,3\n")
        let error = dataError { () throws(DataError) in try ObservationReader(path: dup) }
        #expect(error == .duplicateName(name: "a", firstColumn: 2, secondColumn: 4))
        #expect(error?.description == "columns 2 and 4 are both named \"a\"")
        let quote = temporaryCSV("a,b\n1,2\n\"3,4\n")
        #expect(dataError { () throws(DataError) in try Dataset.load(csv: quote) } == .malformedQuote(line: 3, column: 1))
    }

    // MARK: Streaming

    @Test func rowsBeforeABadRowAreDelivered() throws {
        let reader = try ObservationReader(path: temporaryCSV("a,b\n1,2\n3,4\nbad,6\n7,8\n"))
        #expect(try reader.next()?.values == [1, 2])
        #expect(try reader.next()?.values == [3, 4])
        #expect(dataError { () throws(DataError) in try reader.next() } == .nonNumeric(line: 4, column: 1, name: "a", text: "bad"))
    }

    /// A pipe that stays open: each row must arrive as soon as its line is written, as with `tail -f`.
    @Test func pipeDeliversRowsBeforeTheStreamEnds() throws {
        let pipe = Pipe()
        let writer = pipe.fileHandleForWriting
        writer.write(Data("date,a,b\n2020-01-01,1,2\n".utf8))
        writer.write(Data("2020-01-02,3,4\n".utf8))
        let reader = try ObservationReader(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, sourceName: "pipe")
        #expect(reader.names == ["a", "b"])
        #expect(try reader.next() == Observation(index: 0, line: 2, label: "2020-01-01", values: [1, 2]))
        #expect(try reader.next() == Observation(index: 1, line: 3, label: "2020-01-02", values: [3, 4]))
        writer.write(Data("2020-01-03,5,".utf8))      // half a line, then the rest
        writer.write(Data("6\n2020-01-04,x,8\n".utf8))
        #expect(try reader.next()?.values == [5, 6])
        #expect(dataError { () throws(DataError) in try reader.next() } == .nonNumeric(line: 5, column: 2, name: "a", text: "x"))
        try writer.close()
    }

    // MARK: Missing-value policies

    @Test func skipRowPolicy() throws {
        let path = temporaryCSV("a,b\n1,2\nNA,4\n5,\n7,8\n")
        let reader = try ObservationReader(path: path, missing: .skipRow)
        let rows = try drain(reader)
        #expect(rows.map(\.values) == [[1, 2], [7, 8]])
        #expect(rows.map(\.index) == [0, 1])
        #expect(rows.map(\.line) == [2, 5])
        #expect(reader.skippedLines == [3, 4])
        let (data, report) = try Dataset.loadWithReport(csv: path, missing: .skipRow)
        #expect(data.rowCount == 2 && report.skippedLines == [3, 4])
    }

    @Test func skipRowStillRejectsBadCells() {
        let path = temporaryCSV("a,b,c\n1,2,3\nNA,4,zz\n")
        let error = dataError { () throws(DataError) in try Dataset.load(csv: path, missing: .skipRow) }
        #expect(error == .nonNumeric(line: 3, column: 3, name: "c", text: "zz"))
    }

    @Test func previousPolicy() throws {
        let reader = try ObservationReader(path: temporaryCSV("a,b\n1,2\nNA,4\n,\n7,8\n"), missing: .previous)
        #expect(try drain(reader).map(\.values) == [[1, 2], [1, 4], [1, 4], [7, 8]])
        #expect(reader.filledCells == 3)
        let first = temporaryCSV("d,a,b\nx,1,NaN\ny,3,4\n")
        let error = dataError { () throws(DataError) in try Dataset.load(csv: first, missing: .previous) }
        #expect(error == .missingInFirstRow(line: 2, column: 3, name: "b"))
        #expect(error?.description == "line 2, column 3 (b): missing value in the first data row, no previous value to carry forward")
    }

    // MARK: Number parsing

    @Test func numberParserAgreesWithTheStandardLibrary() {
        var rng = SplitMix64(seed: 42)
        var texts = ["0", "-0", "+1", "1.", ".5", "007", "1e3", "1E-3", "-2.5e+10", "123456789012345678901234",
                     "0.1", "0.30000000000000004", "4.9406564584124654e-324", "1.7976931348623157e308",
                     "2.2250738585072014e-308", "9007199254740993", "  3.25 ", "0.000000000000000000000000001",
                     "1234567890123456789.5", "0.12345678901234567890123"]
        for _ in 0..<20_000 {
            let x = Double(bitPattern: rng.next())
            if x.isFinite { texts.append("\(x)") }
            let y = Double(Int64(bitPattern: rng.next()) % 10_000_000) / 1000
            texts.append("\(y)")
            texts.append(String(format: "%.6g", y))
        }
        for text in texts {
            let expected = Double(text.trimmingCharacters(in: .whitespaces))!
            let got = Array(text.utf8).withUnsafeBufferPointer { NumberParser.parse($0.baseAddress!, count: $0.count) }
            #expect(got == .number(expected), "\(text)")
        }
        for bad in ["1e", "e5", "1.2.3", "--1", "0x10", "1;5", "abc", "1 2", ".", "-"] {
            let got = Array(bad.utf8).withUnsafeBufferPointer { NumberParser.parse($0.baseAddress!, count: $0.count) }
            #expect(got == .invalid, "\(bad)")
        }
    }

    // MARK: Data sets and sources

    @Test func datasetSlicing() throws {
        let data = try Dataset.load(csv: temporaryCSV("d,a,b\n2020-01-01,1,2\n2020-01-02,3,5\n2020-01-03,4,4\n2020-01-06,6,1\n"))
        let mid = try data.rows(from: "2020-01-02", to: "2020-01-05")
        #expect(mid.rowLabels == ["2020-01-02", "2020-01-03"])
        #expect(mid.values.rowArrays == [[3, 5], [4, 4]])
        #expect(try data.rows(from: nil, to: "2020-01-01").rowCount == 1)
        #expect(try data.rows(from: "2020-01-03", to: nil).rowLabels == ["2020-01-03", "2020-01-06"])
        #expect(dataError { () throws(DataError) in try data.rows(from: "2021-01-01", to: nil) }
                == .emptyRange(from: "2021-01-01", to: nil))
        #expect(data.subset(rows: 1..<2).values.rowArrays == [[3, 5]])
        #expect(data.label(ofRow: 3) == "2020-01-06")
        let unlabelled = Dataset(names: ["a", "b"], values: data.values)
        #expect(dataError { () throws(DataError) in try unlabelled.rows(from: "a", to: nil) } == .noRowLabels)
    }

    @Test func streamsAreInterchangeable() throws {
        let path = temporaryCSV("d,a,b\n2020-01-01,1,2\n2020-01-02,3,5\n2020-01-03,4,4\n2020-01-06,6,1\n")
        let fromFile = try drain(LabelRangeSource(ObservationReader(path: path), from: "2020-01-02", to: "2020-01-03"))
        let fromMemory = try drain(LabelRangeSource(Dataset.load(csv: path).stream(), from: "2020-01-02", to: "2020-01-03"))
        #expect(fromFile.map(\.values) == [[3, 5], [4, 4]])
        #expect(fromFile.map(\.index) == [0, 1])
        #expect(fromMemory.map(\.values) == fromFile.map(\.values))
        #expect(fromMemory.map(\.label) == fromFile.map(\.label))
        let unlabelled = try ObservationReader(path: temporaryCSV("1,2\n3,4\n"))
        #expect(dataError { () throws(DataError) in try LabelRangeSource(unlabelled, from: "a", to: nil) } == .noRowLabels)
    }

    @Test func groupMap() throws {
        let map = try GroupMap.load(csv: temporaryCSV("node,group\nA,tech\nB,\"energy, oil\"\nC,tech\n"))
        #expect(map.group(of: "B") == "energy, oil")
        #expect(map.group(of: "Z") == nil)
        #expect(map.groups == ["tech", "energy, oil"])
        #expect(map.unlisted(["A", "Z"]) == ["Z"])
        #expect(map.members(of: ["C", "B", "A"]).map(\.nodes) == [[0, 2], [1]])
        let noHeader = try GroupMap.load(csv: temporaryCSV("A,x\nB,y\n"))
        #expect(noHeader.groups == ["x", "y"])
        let dup = temporaryCSV("A,x\nA,y\n")
        #expect(dataError { () throws(DataError) in try GroupMap.load(csv: dup) } == .duplicateNode(node: "A", line: 2))
        let short = temporaryCSV("node,group\nA\n")
        #expect(dataError { () throws(DataError) in try GroupMap.load(csv: short) } == .raggedRow(line: 2, found: 1, expected: 2))
    }

    /// A `--groups` file wins over the S&P 500 sectors; neither: no groups.
    @Test func groupMapOfACommandLine() throws {
        let path = temporaryCSV("node,group\nAAPL,fruit\nB,y\n")
        let file = try GroupMap.load(path: path, sp500: true)
        #expect(file == (try GroupMap.load(csv: path)))
        #expect(file?.groups(for: ["B", "AAPL", "Z"]) == ["y", "fruit", nil])
        #expect(try GroupMap.load(path: nil, sp500: true) == (try SP500.groups()))
        #expect(try GroupMap.load(path: nil, sp500: false) == nil)
    }
}
