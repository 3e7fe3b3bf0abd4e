using CadMl.Application.Store.Ports;

namespace CadMl.Application.Store.BackupStore;

/// <summary>The backup written: its file, size, and the store identity and generation it holds.</summary>
public sealed record BackupReportDto(string Name, string Path, long Bytes, string StoreId, long Generation, double DurationSeconds)
{
    public static BackupReportDto From(BackupReport report) =>
        new(report.Name, report.Path, report.Bytes, report.StoreId, report.Generation, report.DurationSeconds);
}
