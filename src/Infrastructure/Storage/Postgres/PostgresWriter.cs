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

    /// <summary>Holds the generation counter until the caller's transaction ends.</summary>
    internal static void LockGeneration(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand("SELECT value FROM store_counters WHERE name = 'vector_generation' FOR UPDATE;", connection, transaction);
        command.ExecuteNonQuery();
    }
}
