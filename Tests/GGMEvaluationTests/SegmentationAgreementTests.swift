import GGMEvaluation
import Testing

@Suite struct SegmentationAgreementTests {
    @Test("adjusted Rand index: 1 when equal, the textbook value otherwise")
    func adjustedRand() {
        #expect(SegmentationAgreement.adjustedRandIndex([3, 6], [3, 6], rows: 9) == 1)
        #expect(SegmentationAgreement.adjustedRandIndex([], [], rows: 9) == 1)
        // Partitions {0,1,2}{3,4,5} vs {0,1}{2,3,4,5}: contingency [[2,1],[0,3]];
        // index = 1 + 3 = 4, a = 3 + 3 = 6, b = 1 + 6 = 7, total 15, expected 42/15, max 6.5.
        let expected = (4 - 42.0 / 15) / (6.5 - 42.0 / 15)
        #expect(abs(SegmentationAgreement.adjustedRandIndex([3], [2], rows: 6) - expected) < 1e-12)
        #expect(SegmentationAgreement.adjustedRandIndex([], [50], rows: 100) == 0)
    }

    @Test("Hausdorff distance between change point sets")
    func hausdorff() {
        #expect(SegmentationAgreement.hausdorffDistance([100, 205], [100, 200]) == 5)
        #expect(SegmentationAgreement.hausdorffDistance([100], [100, 300]) == 200)
        #expect(SegmentationAgreement.hausdorffDistance([], []) == 0)
        #expect(SegmentationAgreement.hausdorffDistance([], [4]) == nil)
    }
}
