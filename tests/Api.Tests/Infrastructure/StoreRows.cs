using Microsoft.Data.Sqlite;

namespace CadMl.Api.Tests.Infrastructure;

/// <summary>Row counts read from a service's store file itself, not through the API under test.</summary>
public static class StoreRows
{
    public static long Count(string dataDir, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDir, "cadml.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static long Analyses(string dataDir, string sha256) =>
        Count(dataDir, "SELECT count(*) FROM analyses WHERE sha256 = $sha;", ("$sha", sha256));

    /// <summary>Vectors of analyses of this file (an analysis's vector has the analysis's id).</summary>
    public static long AnalysisVectors(string dataDir, string sha256) =>
        Count(dataDir, "SELECT count(*) FROM vectors v JOIN analyses a ON a.id = v.id WHERE a.sha256 = $sha;", ("$sha", sha256));
}
