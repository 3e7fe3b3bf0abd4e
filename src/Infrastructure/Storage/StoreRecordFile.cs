using System.Text.Json;
using CadMl.Domain.Storage;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// The data folder's memory of which store it belongs to (<c>store-identity.json</c>): it outlives
/// a lost database file or a store swapped under the folder, which is what lets the start-up rule
/// tell a new store from a lost one, on either backend.
/// </summary>
internal sealed class StoreRecordFile(string dataDir, TimeProvider time)
{
    public const string FileName = "store-identity.json";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public string Path => System.IO.Path.Combine(dataDir, FileName);

    /// <summary>
    /// The recorded store id; null when there is none. An unreadable file is not "absent" (the folder
    /// did belong to some store): it reads as <see cref="StoreStartupRule.UnknownStore"/> and
    /// <paramref name="problem"/> says why.
    /// </summary>
    public string? Read(out string? problem)
    {
        problem = null;
        if (!File.Exists(Path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StoreRecord>(File.ReadAllBytes(Path), Json)?.StoreId;
        }
        catch (JsonException exception)
        {
            problem = exception.Message;
            return StoreStartupRule.UnknownStore;
        }
    }

    public void Write(string storeId) =>
        AtomicFile.Write(Path, JsonSerializer.SerializeToUtf8Bytes(new StoreRecord(1, storeId, time.GetUtcNow()), Json));

    private sealed record StoreRecord(int Schema, string StoreId, DateTimeOffset RecordedAt);
}
