extension SIMD4 where Scalar == Double {
    /// Four doubles from `pointer` (no alignment required): the vector loads of the packed-array
    /// kernels (the local statistic's update, and its 0.8 form kept as a benchmark baseline).
    @inlinable @inline(__always)
    public static func load(_ pointer: UnsafePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inlinable @inline(__always)
    public static func load(_ pointer: UnsafeMutablePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Double>.self)
    }
}

extension SIMD4 where Scalar == Double {
    /// Stores the four doubles at `pointer` (no alignment required).
    @inlinable @inline(__always)
    public func store(to pointer: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: SIMD4<Double>.self)
    }
}
