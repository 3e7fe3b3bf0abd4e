using Microsoft.Extensions.Logging;
using Npgsql;

namespace CadMl.Infrastructure.Storage.Postgres;

/// <summary>
/// The group-commit writer on PostgreSQL: one transaction per batch, one savepoint per write, like
/// SQLite. Each batch first locks the generation counter row (<see cref="BeginBatch"/>). That lock is
/// what makes generations gap-free and commit-ordered when several processes write: a sequence
/// would hand out numbers that commit out of order or never (a rolled-back write leaves a hole),
/// while the counter row lets the next transaction in only after this one committed or rolled back,
/// so every generation it takes follows the last committed one. Taking it first (before any vector
/// row) also means two writers never wait on each other's rows in opposite order.
/// </summary>
public sealed class PostgresWriter(PostgresDatabase database, ILogger<PostgresWriter> logger)
    : GroupCommitWriter<NpgsqlConnection, NpgsqlTransaction>(logger)
{
    protected override NpgsqlConnection Open() => database.Open();

    protected override void BeginBatch(NpgsqlConnection connection, NpgsqlTransaction transaction) => LockGeneration(connection, transaction);

    /// <summary>The channel that rings when a transaction that may have appended vector changes commits.</summary>
    internal const string ChangesChannel = "cadml_vector_changes";

    /// <summary>
    /// Holds the generation counter until the caller's transaction ends, and rings the followers'
    /// doorbell (<see cref="ChangesChannel"/>). The NOTIFY is part of the writing transaction, not a
    /// trigger: PostgreSQL delivers it only if the transaction commits, folds a group commit's into
    /// one, and no schema step is needed. A writer that skips it (an older build) is still seen by
    /// the followers' poll.
    /// </summary>
    internal static void LockGeneration(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand($"SELECT value FROM store_counters WHERE name = 'vector_generation' FOR UPDATE; NOTIFY {ChangesChannel};", connection, transaction);
        command.ExecuteNonQuery();
    }
}
