import Foundation
import Testing
@testable import GGMData

/// Inputs that the defaults used to misread: numeric headers and ID columns, files where every
/// row has a missing cell, unsorted labels with a range, CR line endings, `;` and tab separators,
/// `NA` labels; and the name comparison used for references and states.
@Suite(.temporaryFiles) struct HostileInputTests {
    /// `rows` lines of `label,value,value` with a strictly increasing integer label.
    static func timeSeries(rows: Int, header: String? = "time,a,b", start: Int = 1_700_000_000) -> String {
        var text = header.map { $0 + "\n" } ?? ""
        for i in 0..<rows { text += "\(start + 60 * i),\(0.5 + Double(i % 3)),\(Double(i * i % 7) - 2.25)\n" }
        return text
    }

    // MARK: Header and labels

    @Test func numericHeaderIsReadAsDataWithAWarningUnlessTold() throws {
        let path = temporaryCSV("101,102,103\n1.5,2.5,3.5\n0.5,1.25,-1\n")
        let auto = try ObservationReader(path: path, options: .automatic)
        #expect(!auto.hasHeader && auto.names == ["x1", "x2", "x3"])
        #expect(auto.warnings == [.numericFirstLine(line: 1, text: "101,102,103")])
        #expect(try drain(auto).count == 3)

        let header = try ObservationReader(path: path, options: CSVReadOptions(header: .present))
        #expect(header.hasHeader && header.names == ["101", "102", "103"] && header.warnings.isEmpty)
        #expect(try drain(header).map(\.values) == [[1.5, 2.5, 3.5], [0.5, 1.25, -1]])

        let absent = try ObservationReader(path: path, options: CSVReadOptions(header: .absent))
        #expect(!absent.hasHeader && absent.warnings.isEmpty)

        // A first line of numbers that are not distinct integers is data without a guess.
        #expect(try ObservationReader(path: temporaryCSV("1.5,2,3\n4,5,6\n"), options: .automatic).warnings.isEmpty)
        #expect(try ObservationReader(path: temporaryCSV("3,3,4\n4,5,6\n"), options: .automatic).warnings.isEmpty)
    }

    @Test func headerPresentForcesNamesEvenForAMissingToken() throws {
        let data = try Dataset.load(csv: temporaryCSV("NA,1,2\n5,1,2\n6,3,5\n"),
                                    options: CSVReadOptions(header: .present, labels: .none))
        #expect(data.names == ["NA", "1", "2"] && data.rowCount == 2)
    }

    @Test func increasingIntegerFirstColumnIsDataWithAWarningAfterTenRows() throws {
        let path = temporaryCSV(Self.timeSeries(rows: 12))
        let reader = try ObservationReader(path: path, options: .automatic)
        #expect(!reader.hasLabels && reader.names == ["time", "a", "b"])
        for _ in 0..<9 { _ = try reader.next() }
        #expect(reader.warnings.isEmpty, "nine rows do not decide")
        _ = try reader.next()
        #expect(reader.warnings == [.increasingFirstColumn(name: "time", rows: 10, first: "1700000000", last: "1700000540")])
        _ = try drain(reader)
        #expect(reader.warnings.count == 1)
    }

    @Test func increasingColumnAtTheEndOfAShortInput() throws {
        let six = try ObservationReader(path: temporaryCSV(Self.timeSeries(rows: 6, header: nil, start: 0)), options: .automatic)
        _ = try drain(six)
        #expect(six.warnings == [.increasingFirstColumn(name: "x1", rows: 6, first: "0", last: "300")])
        let four = try ObservationReader(path: temporaryCSV(Self.timeSeries(rows: 4)), options: .automatic)
        _ = try drain(four)
        #expect(four.warnings.isEmpty)
        // Not strictly increasing, or not integers: no guess.
        let flat = try ObservationReader(path: temporaryCSV("t,a,b\n1,1,2\n2,3,1\n2,4,4\n3,5,2\n4,1,1\n5,2,2\n"), options: .automatic)
        _ = try drain(flat)
        #expect(flat.warnings.isEmpty)
    }

    @Test func labelColumnByNameOrPosition() throws {
        let path = temporaryCSV(Self.timeSeries(rows: 12))
        for labels in [CSVReadOptions.Labels.named("time"), .column(1), CSVReadOptions.Labels(argument: "1"), .init(argument: "time")] {
            let reader = try ObservationReader(path: path, options: CSVReadOptions(labels: labels))
            #expect(reader.hasLabels && reader.labelColumn == 1 && reader.labelName == "time")
            #expect(reader.names == ["a", "b"])
            let rows = try drain(reader)
            #expect(rows.count == 12 && rows[0].label == "1700000000" && rows[0].values == [0.5, -2.25])
            #expect(reader.warnings.isEmpty)
        }
        let none = try ObservationReader(path: path, options: CSVReadOptions(labels: .none))
        _ = try drain(none)
        #expect(none.names == ["time", "a", "b"] && none.warnings.isEmpty)
    }

    @Test func labelColumnInTheMiddle() throws {
        let path = temporaryCSV("a,date,b\n1,2020-01-01,2\n3,2020-01-02,x\n")
        let reader = try ObservationReader(path: path, options: CSVReadOptions(labels: .named("date")))
        #expect(reader.names == ["a", "b"] && reader.labelColumn == 2)
        #expect(try reader.next() == Observation(index: 0, line: 2, label: "2020-01-01", values: [1, 2]))
        // Errors count columns as a spreadsheet does, the label column included.
        #expect(dataError { () throws(DataError) in try reader.next() } == .nonNumeric(line: 3, column: 3, name: "b", text: "x"))
        let dup = temporaryCSV("a,date,a\n1,2020-01-01,2\n")
        #expect(dataError { () throws(DataError) in try ObservationReader(path: dup, options: CSVReadOptions(labels: .column(2))) }
                == .duplicateName(name: "a", firstColumn: 1, secondColumn: 3))
    }

    @Test func labelColumnErrors() {
        let path = temporaryCSV("a,b,c\n1,2,3\n4,5,6\n")
        #expect(dataError { () throws(DataError) in try ObservationReader(path: path, options: CSVReadOptions(labels: .named("time"))) }
                == .labelColumnNotFound(name: "time"))
        #expect(dataError { () throws(DataError) in try ObservationReader(path: path, options: CSVReadOptions(labels: .column(4))) }
                == .labelColumnOutOfRange(column: 4, columns: 3))
        #expect(dataError { () throws(DataError) in
            try ObservationReader(path: path, options: CSVReadOptions(header: .absent, labels: .named("a")))
        } == .labelColumnNeedsHeader(name: "a"))
        #expect(DataError.labelColumnNotFound(name: "time").description == "no column is named \"time\", so it cannot hold the row labels")
        #expect(CSVReadOptions.Labels(argument: "0") == .named("0"))
        #expect(CSVReadOptions.Labels(argument: "+2") == .named("+2"))
        #expect(CSVReadOptions.Labels(argument: "12") == .column(12))
    }

    @Test func firstLabelNAIsALabelNotAMissingValue() throws {
        let data = try Dataset.load(csv: temporaryCSV("id,a,b\nNA,1,2\n,3,5\nr3,4,4\n"))
        #expect(data.rowLabels == ["NA", "", "r3"])
        #expect(data.names == ["a", "b"] && data.values.rowArrays == [[1, 2], [3, 5], [4, 4]])
        // Without a header too.
        let bare = try Dataset.load(csv: temporaryCSV("NA,1,2\nr2,3,5\n"))
        #expect(bare.rowLabels == ["NA", "r2"] && bare.names == ["x1", "x2"])
        // A numeric first column whose first cell is missing is still data, and the cell a missing value.
        let numeric = temporaryCSV("a,b\nNA,1\n2,3\n")
        #expect(dataError { () throws(DataError) in try Dataset.load(csv: numeric) }
                == .missingValue(line: 2, column: 1, name: "a", text: "NA"))
        // Forced labels are never parsed.
        let forced = try Dataset.load(csv: temporaryCSV("d,a,b\nNA,1,2\n7,3,5\n"), labelColumn: true)
        #expect(forced.rowLabels == ["NA", "7"])
    }

    // MARK: Missing values

    @Test func skipRowThatDropsEveryRowIsAnErrorNamingThePolicy() {
        let path = temporaryCSV("a,b,c,\n1,2,3,\n4,5,6,\n")
        let error = dataError { () throws(DataError) in try Dataset.load(csv: path, missing: .skipRow) }
        #expect(error == .allRowsSkipped(source: path, rows: 2, line: 2, column: 4, name: "x4", lastColumn: true))
        #expect(error?.description == "no rows left: the missing-value policy skip-row dropped all 2 data rows of \(path) "
                + "(each has a missing cell; the first is line 2, column 4 (x4)); a separator at the end of every line makes an empty last column")
        // The stream throws at its end, after counting.
        let reader = try! ObservationReader(path: path, missing: .skipRow)
        #expect(dataError { () throws(DataError) in try reader.next() } != nil)
        #expect(reader.skippedRows == 2 && reader.skippedLines == [2, 3])
    }

    @Test func skippedRowsAreCountedOnEverySource() throws {
        let path = temporaryCSV("d,a,b\n2020-01-01,1,2\n2020-01-02,NA,4\n2020-01-03,5,\n2020-01-04,7,8\n2020-01-05,9,1\n")
        let reader = try ObservationReader(path: path, missing: .skipRow)
        var source: any ObservationSource = try LabelRangeSource(reader, from: "2020-01-01", to: nil)
        while try source.next() != nil {}
        #expect(source.skippedRows == 2 && reader.skippedRows == 2 && reader.report.skippedRows == 2)
        #expect(try Dataset.load(csv: temporaryCSV("a,b\n1,2\n3,5\n")).stream().skippedRows == 0)
    }

    // MARK: Label ranges: one rule

    @Test func unsortedLabelsWithARangeAreAnErrorEverywhere() throws {
        let text = "d,a,b\n2020-01-01,1,2\n2020-01-02,3,5\n2020-01-05,4,4\n2020-01-03,6,1\n2020-01-06,2,2\n"
        let path = temporaryCSV(text)
        let expected = DataError.unsortedLabels(line: 5, label: "2020-01-03", previous: "2020-01-05")
        #expect(expected.description == "line 5: row label \"2020-01-03\" comes after \"2020-01-05\"; selecting rows by label range needs the labels in ascending order")
        // The stream (monitor) and the file read whole (fit) stop at the same row, although the
        // row lies after the first label past --to.
        let stream = try LabelRangeSource(ObservationReader(path: path), from: "2020-01-02", to: "2020-01-04")
        #expect(dataError { () throws(DataError) in try drain(stream) } == expected)
        #expect(dataError { () throws(DataError) in try Dataset.loadWithReport(csv: path, options: .automatic,
                                                                             range: LabelRange(from: "2020-01-02", to: "2020-01-04")) } == expected)
        // In memory the row is named by its 1-based position.
        let data = try Dataset.load(csv: path)
        #expect(dataError { () throws(DataError) in try data.rows(from: "2020-01-02", to: "2020-01-04") }
                == .unsortedLabels(line: 4, label: "2020-01-03", previous: "2020-01-05"))
        // Every range checks the whole input; the rows in range are delivered before the error.
        #expect(dataError { () throws(DataError) in try data.rows(from: "2020-01-06", to: nil) } != nil)
        #expect(dataError { () throws(DataError) in try data.rows(from: nil, to: "2020-01-01") } != nil)
        var early = try LabelRangeSource(ObservationReader(path: path), from: nil, to: "2020-01-02")
        #expect(try early.next()?.label == "2020-01-01")
        #expect(try early.next()?.label == "2020-01-02")
        #expect(dataError { () throws(DataError) in try early.next() } == expected)
    }

    @Test func sortedLabelsSelectTheSameRowsInMemoryAndStreaming() throws {
        let path = temporaryCSV("d,a,b\n2020-01-01,1,2\n2020-01-02,3,5\n2020-01-02,4,4\n2020-01-03,6,1\n2020-01-06,2,2\n")
        for (from, to) in [("2020-01-02", "2020-01-03"), ("2020-01-00", "2020-01-02"), ("2020-01-04", "2020-01-09")] as [(String?, String?)] {
            let memory = try Dataset.load(csv: path).rows(from: from, to: to)
            let stream = try drain(LabelRangeSource(ObservationReader(path: path), from: from, to: to))
            #expect(memory.rowLabels == stream.map(\.label!))
            #expect(memory.values.rowArrays == stream.map(\.values))
        }
        // An empty selection is an error for the stream too.
        #expect(dataError { () throws(DataError) in try drain(LabelRangeSource(ObservationReader(path: path), from: "2021-01-01", to: nil)) }
                == .emptyRange(from: "2021-01-01", to: nil))
    }

    @Test func numericLabelsCompareAsNumbers() throws {
        var text = "id,a,b\n"
        for i in 1...12 { text += "\(i),\(i % 4),\(i % 3)\n" }
        let path = temporaryCSV(text)
        let options = CSVReadOptions(labels: .column(1))
        let rows = try drain(LabelRangeSource(ObservationReader(path: path, options: options), from: "8", to: "11"))
        #expect(rows.map(\.label) == ["8", "9", "10", "11"])
        #expect(LabelRange.precedes("9", "10") && !LabelRange.precedes("2020-01-10", "2020-01-09"))
        #expect(LabelRange(from: "2", to: "10").position(of: "7") == .inside)
    }

    // MARK: Line endings and separators

    @Test func carriageReturnLineEndings() throws {
        let data = try Dataset.load(csv: temporaryCSV("a,b\r1,2\r3,4\r\r5,6"))
        #expect(data.names == ["a", "b"] && data.values.rowArrays == [[1, 2], [3, 4], [5, 6]])
        let mixed = try ObservationReader(path: temporaryCSV("a,b\r\n1,2\r3,4\n5,x\r\n"))
        #expect(try mixed.next()?.line == 2)
        #expect(try mixed.next()?.line == 3)
        #expect(dataError { () throws(DataError) in try mixed.next() } == .nonNumeric(line: 4, column: 2, name: "b", text: "x"))
    }

    /// A line ending in CR is delivered at once; a LF that arrives with the next write belongs to it.
    @Test func carriageReturnInAPipeIsALineEndAtOnce() throws {
        let pipe = Pipe()
        let writer = pipe.fileHandleForWriting
        writer.write(Data("a,b\r1,2\r".utf8))
        let reader = try ObservationReader(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, sourceName: "pipe")
        #expect(try reader.next() == Observation(index: 0, line: 2, label: nil, values: [1, 2]))
        writer.write(Data("\n3,4\r".utf8))
        #expect(try reader.next() == Observation(index: 1, line: 3, label: nil, values: [3, 4]))
        try writer.close()
        #expect(try reader.next() == nil)
    }

    @Test func semicolonAndTabSeparatedFiles() throws {
        let comma = try Dataset.load(csv: temporaryCSV("date,a,b\n2020-01-01,1.5,2\n2020-01-02,3,-4\n"))
        for (text, separator) in [("date;a;b\n2020-01-01;1.5;2\n2020-01-02;3;-4\n", CSVReadOptions.Separator.semicolon),
                                  ("date\ta\tb\n2020-01-01\t1.5\t2\n2020-01-02\t3\t-4\n", .tab),
                                  ("\"date\"\t\"a\"\t\"b\"\n2020-01-01\t\"1.5\"\t2\n2020-01-02\t3 \t-4\n", .tab)] {
            let path = temporaryCSV(text)
            #expect(try ObservationReader(path: path).separator == separator)
            #expect(try Dataset.load(csv: path) == comma)
        }
        // A first line with commas and semicolons uses semicolons (decimal commas are then bad numbers, located).
        let european = temporaryCSV("d;a;b\n2020-01-01;1,5;2,25\n2020-01-02;1;2\n")
        #expect(dataError { () throws(DataError) in try Dataset.load(csv: european) } == .nonNumeric(line: 2, column: 2, name: "a", text: "1,5"))
        func detect(_ line: String) -> CSVReadOptions.Separator {
            Array(line.utf8).withUnsafeBufferPointer { CSVRecord.detectSeparator($0) }
        }
        #expect(detect("2020-01-01;1,5;2,25") == .semicolon)
        #expect(detect("a,b\tc,d") == .comma && detect("a\tb\tc,d") == .tab && detect("a;b\tc;d") == .semicolon)
        #expect(detect("\"a,b\"\tc") == .tab && detect("abc") == .comma)
        // A quoted comma does not count; a forced separator wins.
        #expect(try ObservationReader(path: temporaryCSV("\"x,y\";b\n1;2\n")).names == ["x,y", "b"])
        let forced = try ObservationReader(path: temporaryCSV("a;b,c,d\n1;2,3,4\n"), options: CSVReadOptions(separator: .comma))
        #expect(forced.names == ["c", "d"] && forced.labelName == "a;b")
        // Empty cells of a tab-separated row are missing values, not a blank line.
        let tsv = temporaryCSV("a\tb\n1\t2\n\t\n")
        #expect(dataError { () throws(DataError) in try Dataset.load(csv: tsv) } == .missingValue(line: 3, column: 1, name: "a", text: ""))
    }

    // MARK: Name comparison

    @Test func firstDifferingNodeName() {
        #expect(NodeNameMismatch.first(expected: ["a", "b", "c"], found: ["a", "b", "c"]) == nil)
        let swapped = NodeNameMismatch.first(expected: ["a", "b", "c", "d", "e"], found: ["a", "b", "d", "c", "e"])
        #expect(swapped?.position == 3 && swapped?.expected == "c" && swapped?.found == "d")
        #expect(swapped?.description == "node 3 is \"c\" there, \"d\" in the data (5 nodes each)")
        let shorter = NodeNameMismatch.first(expected: ["a", "b", "c"], found: ["a", "b"], foundSide: "the state")
        #expect(shorter?.description == "node 3 (\"c\") is missing from the state (3 expected, 2 in the state)")
        let longer = NodeNameMismatch.first(expected: ["a"], found: ["a", "z"])
        #expect(longer == NodeNameMismatch(position: 2, expected: nil, found: "z", expectedCount: 1, foundCount: 2, foundSide: "the data"))
        #expect(longer?.description == "node 2 of the data (\"z\") is not expected (1 expected, 2 in the data)")
    }
}
