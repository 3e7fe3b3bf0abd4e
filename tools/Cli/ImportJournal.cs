using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CadMl.Cli;

/// <summary>One finished file of an import, as the journal keeps it.</summary>
internal sealed record JournalEntry(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("analysis_id")] string? AnalysisId,
    [property: JsonPropertyName("service")] string Service,
    [property: JsonPropertyName("at")] DateTimeOffset At);

/// <summary>
/// The import's memory across interruptions: one JSON line per finished file, appended and fsync'd
/// before the file counts as done, so a SIGKILL loses at most the files in flight (which the next
/// run sends again with the same Idempotency-Key: the service answers them from its store, nothing
/// is stored twice). A torn last line (killed mid-write) is ignored. Entries are per service URL,
/// so importing the same tree into another service starts from scratch.
/// </summary>
internal sealed class ImportJournal : IDisposable
{
    private readonly FileStream _stream;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JournalEntry> _done;

    private ImportJournal(FileStream stream, Dictionary<string, JournalEntry> done)
    {
        _stream = stream;
        _done = done;
    }

    public int Loaded => _done.Count;

    /// <summary>Analyses earlier runs imported: a file answered with one of them is a duplicate.</summary>
    public IEnumerable<string> AnalysisIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _done.Values.Select(e => e.AnalysisId).OfType<string>()];
            }
        }
    }

    public static ImportJournal Open(string path, string service)
    {
        var done = new Dictionary<string, JournalEntry>(StringComparer.Ordinal);
        var endsWithNewline = true;
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path, Encoding.UTF8);
            endsWithNewline = text.Length == 0 || text[^1] == '\n';
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (TryRead(line) is { } entry && entry.Service == service)
                {
                    done[Identity(entry.Path, entry.Sha256)] = entry;
                }
            }
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var journal = new ImportJournal(stream, done);
        if (!endsWithNewline)
        {
            // Seal a torn line so the next entry starts on its own line.
            journal.WriteDurably("\n"u8.ToArray());
        }

        return journal;
    }

    /// <summary>The entry for this file as it is now (same path, same content), if a run finished it.</summary>
    public JournalEntry? Find(string path, string sha256)
    {
        lock (_gate)
        {
            return _done.GetValueOrDefault(Identity(path, sha256));
        }
    }

    /// <summary>Returns once the entry is on disk.</summary>
    public void Append(JournalEntry entry)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(entry);
        lock (_gate)
        {
            WriteDurably([.. line, (byte)'\n']);
            _done[Identity(entry.Path, entry.Sha256)] = entry;
        }
    }

    private void WriteDurably(byte[] bytes)
    {
        _stream.Write(bytes);
        _stream.Flush(flushToDisk: true);
    }

    private static JournalEntry? TryRead(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<JournalEntry>(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Identity(string path, string sha256) => path + "\n" + sha256;

    public void Dispose() => _stream.Dispose();
}
