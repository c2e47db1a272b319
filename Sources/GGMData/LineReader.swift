#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Lines of a file descriptor, read incrementally with buffered `read(2)`.
///
/// A line is returned as soon as its newline has arrived, so a pipe that delivers one
/// line at a time (`tail -f`) yields each line without waiting for the end of the
/// stream. Handles `\n`, `\r\n` and lone `\r` line endings and a last line without one.
final class LineReader {
    let sourceName: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var head = 0        // first unconsumed byte
    private var tail = 0        // end of valid bytes
    private var scanned = 0     // [head, scanned) holds no newline
    private var atEnd = false
    /// The last line ended with `\r`: a `\n` right after it belongs to that line ending.
    private var skipLineFeed = false
    /// 1-based number of the line last returned.
    private(set) var lineNumber = 0

    init(fileDescriptor: Int32, sourceName: String, ownsDescriptor: Bool, capacity: Int = 1 << 16) {
        self.fd = fileDescriptor
        self.sourceName = sourceName
        self.ownsDescriptor = ownsDescriptor
        self.capacity = max(capacity, 16)
        self.buffer = .allocate(capacity: self.capacity)
    }

    /// Opens `path` for reading.
    convenience init(path: String) throws(DataError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .cannotOpen(path: path, reason: "is a directory")
        }
        self.init(fileDescriptor: fd, sourceName: path, ownsDescriptor: true)
    }

    deinit {
        buffer.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// The next line without its line ending, valid until the next call; `nil` at the end.
    ///
    /// A line ends at `\n`, `\r\n` or a lone `\r` (old Mac and some spreadsheet exports). A
    /// line ending in `\r` is returned at once; a `\n` that arrives right after it later is
    /// part of the same line ending.
    func nextLine() throws(DataError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            if skipLineFeed && head < tail {
                if buffer[head] == 0x0A {
                    head += 1
                    scanned = max(scanned, head)
                }
                skipLineFeed = false
            }
            var k = scanned
            while k < tail {
                let c = buffer[k]
                if c == 0x0A || c == 0x0D { break }
                k += 1
            }
            if k < tail {
                skipLineFeed = buffer[k] == 0x0D
                return take(upTo: k, next: k + 1)
            }
            scanned = tail
            if atEnd {
                return head < tail ? take(upTo: tail, next: tail) : nil
            }
            if head > 0 {
                if tail > head { memmove(buffer, buffer + head, tail - head) }
                tail -= head
                scanned -= head
                head = 0
            }
            if tail == capacity {
                let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                larger.update(from: buffer, count: tail)
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
            let count = read(fd, buffer + tail, capacity - tail)
            if count < 0 {
                if errno == EINTR { continue }
                throw .readFailed(source: sourceName, reason: String(cString: strerror(errno)))
            }
            if count == 0 { atEnd = true } else { tail += count }
        }
    }

    private func take(upTo end: Int, next: Int) -> UnsafeBufferPointer<UInt8> {
        let line = UnsafeBufferPointer(start: buffer + head, count: end - head)
        head = next
        scanned = next
        lineNumber += 1
        return line
    }
}
