using System.Text.Json;
using CadMl.Application.Analysis;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common;
using CadMl.Application.Migration;
using CadMl.Application.Migration.GetMigrationStatus;
using CadMl.Application.Migration.Ports;
using CadMl.Application.Store.BackupStore;
using CadMl.Application.Store.CheckStoreIntegrity;
using CadMl.Application.Store.Ports;

namespace CadMl.Application.Tests;

/// <summary>
/// Responses stopped returning port records; the DTOs that replaced them must put the same bytes
/// on the wire, or clients of the API would see the refactoring.
/// </summary>
public sealed class ResponseDtoWireTests
{
    private static readonly DateTimeOffset Started = new(2026, 12, 4, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Stage_timings_serialise_as_the_stored_record_did()
    {
        var timings = new StageTimings(0.25, 12.5, 3, 1.75, 17.5);

        Wire(StageTimingsDto.From(timings)).Should().Be(Wire(timings));
    }

    [Fact]
    public void A_migration_run_and_its_totals_serialise_as_the_stored_run_did()
    {
        var totals = new MigrationTotals(10, 4, 3, 1, 1, 1, 0);
        var run = new MigrationRun("m-1", "v5", false, "ids", 500, 2, "completed_with_errors", Started, Started.AddSeconds(3), 3.25, totals, null);

        Wire(MigrationTotalsDto.From(totals)).Should().Be(Wire(totals));
        Wire(MigrationRunDto.From(run)).Should().Be(Wire(run));
    }

    [Fact]
    public void Store_reports_serialise_as_the_adapter_reports_did()
    {
        var integrity = new IntegrityReport("damaged", ["*** in database main ***", "Page 7: btreeInitPage() returns error code 11"], 0.5, "/data/cadml.db");
        var backup = new BackupReport("nightly", "/data/backups/nightly.db", 4096, "store-1", 42, 0.125);

        Wire(IntegrityReportDto.From(integrity)).Should().Be(Wire(integrity));
        Wire(BackupReportDto.From(backup)).Should().Be(Wire(backup));
    }

    private static string Wire<T>(T value) => JsonSerializer.Serialize(value, WireJson.Options);
}
