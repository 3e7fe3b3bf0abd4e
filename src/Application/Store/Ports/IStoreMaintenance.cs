using CadMl.Application.Common.Problems;

namespace CadMl.Application.Store.Ports;

/// <summary>Operator work on the durable store itself: a full integrity check and an online backup.</summary>
public interface IStoreMaintenance
{
    /// <summary>
    /// Why this store answers no such operation (a shared PostgreSQL store is checked and backed up
    /// with the server's own tools), or null when it does. <paramref name="stage"/> names the operation.
    /// </summary>
    Problem? Unsupported(string stage);

    /// <summary>The full check; a damaged result also marks the store damaged (unready).</summary>
    Task<IntegrityReport> CheckIntegrityAsync(CancellationToken cancellationToken);

    /// <summary>Null when a backup of that name already exists.</summary>
    Task<BackupReport?> BackupAsync(string name, CancellationToken cancellationToken);
}

public sealed record IntegrityReport(string Result, IReadOnlyList<string> Errors, double DurationSeconds, string Store);

/// <summary>A finished backup; <paramref name="Path"/> is relative to DATA_DIR.</summary>
public sealed record BackupReport(string Name, string Path, long Bytes, string StoreId, long Generation, double DurationSeconds);
