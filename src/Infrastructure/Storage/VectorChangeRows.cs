using System.Data;
using System.Data.Common;
using System.Globalization;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// How a <c>vector_changes</c> row is written and read, the same on SQLite and PostgreSQL (both
/// store the kind and the time as text), so the two logs can never disagree on a row's meaning.
/// </summary>
internal static class VectorChangeRows
{
    /// <summary>A row selected as <c>generation, kind, id, seq, feature_version, replaced_seq, replaced_version, at</c>.</summary>
    public static VectorChange Read(DbDataReader reader) => new(
        reader.GetInt64(0),
        ParseKind(reader.GetString(1)),
        reader.GetString(2),
        reader.GetInt64(3),
        FeatureVersions.Parse(reader.GetString(4)),
        reader.IsDBNull(5) ? null : reader.GetInt64(5),
        reader.IsDBNull(6) ? null : FeatureVersions.Parse(reader.GetString(6)),
        DateTimeOffset.Parse(reader.GetString(7), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));

    /// <summary>
    /// Bumps the vector generation and records what it changed, in the caller's transaction, with the
    /// backend's <paramref name="statement"/> (<see cref="IStoreDatabase.AppendChangeStatement"/>); returns
    /// the generation. The nullable parameters carry their type: PostgreSQL cannot infer one from a bare NULL.
    /// </summary>
    public static long Append(
        DbConnection connection,
        DbTransaction transaction,
        string statement,
        VectorChangeKind kind,
        string id,
        long seq,
        FeatureVersion version,
        long? replacedSeq,
        FeatureVersion? replacedVersion,
        DateTimeOffset at)
    {
        using var command = StoreCommands.Create(
            connection, transaction, statement, ("kind", KindName(kind)), ("id", id), ("seq", seq), ("version", version.Name()), ("at", TimeText(at)));
        AddTyped(command, "replaced_seq", DbType.Int64, replacedSeq);
        AddTyped(command, "replaced_version", DbType.String, replacedVersion?.Name());
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void AddTyped(DbCommand command, string name, DbType type, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    public static string KindName(VectorChangeKind kind) => kind switch
    {
        VectorChangeKind.Insert => "insert",
        VectorChangeKind.Delete => "delete",
        _ => "switch",
    };

    public static string TimeText(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static VectorChangeKind ParseKind(string kind) => kind switch
    {
        "insert" => VectorChangeKind.Insert,
        "delete" => VectorChangeKind.Delete,
        "switch" => VectorChangeKind.Switch,
        _ => throw new InvalidDataException($"Unknown vector change kind '{kind}'."),
    };
}
