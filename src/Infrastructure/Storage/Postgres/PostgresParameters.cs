using Npgsql;
using NpgsqlTypes;

namespace CadMl.Infrastructure.Storage.Postgres;

internal static class PostgresParameters
{
    /// <summary>A parameter that may be NULL: its type is given, because a bare NULL tells the server none.</summary>
    public static void AddNullable(this NpgsqlParameterCollection parameters, string name, NpgsqlDbType type, object? value) =>
        parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
}
