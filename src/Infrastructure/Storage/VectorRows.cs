using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// How a <c>vectors</c> row is read and how its values are stored, the same on SQLite and PostgreSQL:
/// float64 little-endian blobs (what the caller sent, bit for bit); the indexes derive normalised
/// float32 copies.
/// </summary>
internal static class VectorRows
{
    public const string Columns = "seq, id, feature_version, vector, meta, created_at";

    /// <summary>A row selected as <see cref="Columns"/>.</summary>
    public static StoredVector Read(DbDataReader row)
    {
        var version = FeatureVersions.Parse(row.GetString(2));
        var values = Decode((byte[])row.GetValue(3));
        var meta = JsonSerializer.Deserialize<Dictionary<string, string>>(row.GetString(4)) ?? [];
        if (!FeatureVector.TryCreate(version, values, out var vector))
        {
            throw EarlierLayouts.IsEarlier(version, values.Length)
                ? new EarlierLayoutException(row.GetString(1), version, values.Length, CadFormats.FromName(meta.GetValueOrDefault("format")))
                : new InvalidDataException($"Stored vector {row.GetString(1)} has {values.Length} values for {version.Name()}.");
        }

        return new StoredVector(
            row.GetInt64(0),
            row.GetString(1),
            vector!,
            meta,
            DateTimeOffset.Parse(row.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
    }

    public static byte[] Encode(IReadOnlyList<double> values)
    {
        var doubles = values.ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The vector blob format is little-endian.");
        }

        return MemoryMarshal.AsBytes(doubles.AsSpan()).ToArray();
    }

    public static double[] Decode(byte[] blob) => MemoryMarshal.Cast<byte, double>(blob).ToArray();

    /// <summary>The row under <paramref name="id"/> deleted in the caller's transaction; its seq and declared version, or null when there was none.</summary>
    public static (long Seq, FeatureVersion Version)? DeleteById(DbConnection connection, DbTransaction transaction, string id)
    {
        using var delete = StoreCommands.Create(connection, transaction, "DELETE FROM vectors WHERE id = @id RETURNING seq, feature_version;", ("id", id));
        using var reader = delete.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), FeatureVersions.Parse(reader.GetString(1))) : null;
    }
}
