/// What the CSV reader does with a missing cell: an empty field, `NA`, `N/A` or `NaN`
/// (any case of `na`, `nan`).
///
/// - ``error``: stop with ``DataError/missingValue(line:column:name:text:)`` naming the cell (default).
/// - ``skipRow``: drop the whole row; dropped lines are counted in ``ObservationReader/skippedLines``.
///   Observation indices count the rows that are kept.
/// - ``previous``: carry the column's last kept value forward (last observation carried forward);
///   a missing cell in the first data row is ``DataError/missingInFirstRow(line:column:name:)``.
///   Filled cells are counted in ``ObservationReader/filledCells``.
///
/// Infinite values (`Inf`, `1e999`) are never missing values: they are always an error.
public enum MissingValuePolicy: String, Sendable, Codable, CaseIterable {
    case error
    case skipRow = "skip-row"
    case previous
}
