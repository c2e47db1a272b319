import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How the batch commands ask glibc's allocator to keep the memory of large matrices.
///
/// glibc maps every block of 32 MB or more afresh (a p x p matrix from p = 2,048 on) and unmaps it
/// when it is freed, so each refit at p = 5,000 page-faulted about 1 GB of freshly zeroed pages:
/// a third of the monitor's time went to the kernel. With large blocks served from the heap and
/// freed memory kept there (`M_MMAP_MAX` 0, `M_TRIM_THRESHOLD` at its largest), the next refit
/// reuses the same pages. The peak memory is unchanged (the same blocks are live at the peak); the
/// process keeps it until it exits, which suits a batch command and is why `serve` does not ask.
///
/// All threads share the main heap (`M_ARENA_MAX` 1). A worker thread otherwise gets its own
/// arena, whose heaps hold at most 64 MB: glibc maps a larger block there whatever `M_MMAP_MAX`
/// says, so each calibration replicate on a worker at p = 5,000 mapped and zeroed its p x p
/// matrices afresh (a quarter of a calibration's time went to the kernel).
///
/// Values are unchanged. Nothing is asked when the environment configures the allocator
/// (`GLIBC_TUNABLES`, `MALLOC_MMAP_MAX_`, `MALLOC_TRIM_THRESHOLD_`, `MALLOC_MMAP_THRESHOLD_`, `MALLOC_ARENA_MAX`) or
/// when the C library has no `mallopt` (another libc, another system).
enum AllocatorTuning {
    static func keepLargeBlocks() {
        #if os(Linux)
        let environment = ProcessInfo.processInfo.environment
        let configured = ["GLIBC_TUNABLES", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_",
                          "MALLOC_ARENA_MAX"]
        guard !configured.contains(where: { environment[$0] != nil }) else { return }
        // RTLD_DEFAULT (a null handle): the symbol as the program sees it.
        guard let symbol = dlsym(nil, "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let mmapMax: Int32 = -4, trimThreshold: Int32 = -1, arenaMax: Int32 = -8  // M_MMAP_MAX, M_TRIM_THRESHOLD, M_ARENA_MAX (malloc.h)
        _ = mallopt(mmapMax, 0)
        _ = mallopt(trimThreshold, Int32.max)
        _ = mallopt(arenaMax, 1)
        #endif
    }
}
