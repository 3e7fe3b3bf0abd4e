using CadMl.Application.Store.Ports;

namespace CadMl.Application.Store.CheckStoreIntegrity;

/// <summary>What the full integrity check found: <see cref="Result"/> and the store's own error lines.</summary>
public sealed record IntegrityReportDto(string Result, IReadOnlyList<string> Errors, double DurationSeconds, string Store)
{
    public static IntegrityReportDto From(IntegrityReport report) =>
        new(report.Result, report.Errors, report.DurationSeconds, report.Store);
}
