import Foundation

/// Special functions needed by the detectors' centering, scaling and thresholds.
///
/// Pure Swift series and recurrences, accurate to about 1e-14 relative on the
/// ranges ggmwatch uses (checked against SciPy in `special-functions.json`).
public enum SpecialFunctions {
    /// The digamma function `psi(x) = d/dx log Gamma(x)` for `x > 0`.
    ///
    /// Recurrence `psi(x) = psi(x + 1) - 1/x` up to `x >= 10`, then the asymptotic series
    /// `log x - 1/(2x) - sum B_2k / (2k x^{2k})`.
    public static func digamma(_ x: Double) -> Double {
        precondition(x > 0, "digamma is implemented for positive arguments")
        var x = x
        var shift = 0.0
        while x < 10 {
            shift -= 1 / x
            x += 1
        }
        let inv = 1 / x
        let inv2 = inv * inv
        // B2/2 = 1/12, B4/4 = -1/120, B6/6 = 1/252, B8/8 = -1/240, B10/10 = 1/132, B12/12 = -691/32760, B14/14 = 1/12
        let series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760 - inv2 / 12))))))
        return shift + Foundation.log(x) - 0.5 * inv - series
    }

    /// The trigamma function `psi'(x)` for `x > 0`.
    ///
    /// Recurrence `psi'(x) = psi'(x + 1) + 1/x^2` up to `x >= 10`, then
    /// `1/x + 1/(2x^2) + sum B_2k / x^{2k+1}`.
    public static func trigamma(_ x: Double) -> Double {
        precondition(x > 0, "trigamma is implemented for positive arguments")
        var x = x
        var shift = 0.0
        while x < 10 {
            shift += 1 / (x * x)
            x += 1
        }
        let inv = 1 / x
        let inv2 = inv * inv
        // B2 = 1/6, B4 = -1/30, B6 = 1/42, B8 = -1/30, B10 = 5/66, B12 = -691/2730, B14 = 7/6
        let series = inv2 * inv * (1.0 / 6 - inv2 * (1.0 / 30 - inv2 * (1.0 / 42 - inv2 * (1.0 / 30 - inv2 * (5.0 / 66 - inv2 * (691.0 / 2730 - inv2 * 7.0 / 6))))))
        return shift + inv + 0.5 * inv2 + series
    }

    /// `log Gamma(x)` for `x > 0`.
    public static func logGamma(_ x: Double) -> Double {
        precondition(x > 0, "logGamma is implemented for positive arguments")
        return Foundation.lgamma(x)
    }

    /// The standard normal distribution function `Phi(x)`.
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * Foundation.erfc(-x / 2.0.squareRoot())
    }

    /// The standard normal upper tail `1 - Phi(x)`, accurate far into the tail.
    public static func normalUpperTail(_ x: Double) -> Double {
        0.5 * Foundation.erfc(x / 2.0.squareRoot())
    }

    /// The lower quantile `Phi^{-1}(q)` for `0 < q < 1`.
    ///
    /// Acklam's rational approximation (relative error 1.15e-9) refined by one
    /// Halley step on `Phi(x) - q`, which brings it to machine precision.
    public static func normalQuantile(_ q: Double) -> Double {
        precondition(q > 0 && q < 1, "normal quantile needs 0 < q < 1")
        if q == 0.5 { return 0 }
        if q > 0.5 { return -normalQuantile(1 - q) }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if q < 0.02425 {
            let r = (-2 * Foundation.log(q)).squareRoot()
            x = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) /
                ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1)
        } else {
            let s = q - 0.5
            let r = s * s
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * s /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        // Halley steps on Phi(x) - q; x <= 0 here, where erfc(-x / sqrt 2) is accurate.
        for _ in 0..<2 {
            let e = normalCDF(x) - q
            let u = e * (2 * Double.pi).squareRoot() * Foundation.exp(x * x / 2)
            x -= u / (1 + x * u / 2)
        }
        return x
    }

    /// The upper quantile `z_{1-alpha} = Phi^{-1}(1 - alpha)`, computed as `-Phi^{-1}(alpha)` for precision at small alpha.
    public static func normalUpperQuantile(_ alpha: Double) -> Double {
        -normalQuantile(alpha)
    }
}
