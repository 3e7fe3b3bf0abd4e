namespace CadMl.Domain.Degradation;

/// <summary>
/// When to try recovering and when to stop trying. Backoff is exponential: the wait before
/// attempt n (n = failed attempts so far) is interval × multiplier^n, capped at the maximum,
/// with a small symmetric jitter so many instances do not retry in lockstep. Flapping: when
/// degraded↔restored toggles inside the window reach the threshold, automatic recovery is
/// suppressed for the suppression time.
/// </summary>
public sealed record RecoveryPolicy(
    TimeSpan Interval,
    double Multiplier,
    TimeSpan MaxBackoff,
    int FlapThreshold,
    TimeSpan FlapWindow,
    TimeSpan Suppression,
    int HistoryLimit = RecoveryPolicy.DefaultHistoryLimit,
    double JitterRatio = RecoveryPolicy.DefaultJitterRatio)
{
    public const int DefaultHistoryLimit = 50;
    public const double DefaultJitterRatio = 0.1;

    /// <summary>How long a manual attempt may hold its lease before the loop may assume its holder died.</summary>
    public static readonly TimeSpan ManualLeaseTtl = TimeSpan.FromMinutes(10);

    /// <param name="failures">Attempts that failed since the last transition.</param>
    /// <param name="jitterSample">Uniform in [0, 1); 0.5 means no jitter.</param>
    public TimeSpan Backoff(int failures, double jitterSample)
    {
        var exponent = Math.Min(failures, 64);
        var seconds = Math.Min(Interval.TotalSeconds * Math.Pow(Multiplier, exponent), MaxBackoff.TotalSeconds);
        var jitter = 1 + (JitterRatio * ((2 * Math.Clamp(jitterSample, 0, 1)) - 1));
        return TimeSpan.FromSeconds(Math.Min(seconds * jitter, MaxBackoff.TotalSeconds));
    }
}
