namespace CadMl.Infrastructure.Storage;

/// <summary>
/// State files are replaced whole or not at all: write a temp file beside the target, flush it to
/// disk, then rename over the target (atomic on POSIX). A crash leaves either the old file or the
/// new one, never a torn mix that a later start would have to guess about.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// Moves an untrustworthy file aside as <c>name.corrupt-&lt;utc timestamp&gt;</c> so it is kept for
    /// inspection but never read again; returns the new name.
    /// </summary>
    public static string Quarantine(string path, DateTimeOffset now)
    {
        var target = $"{path}.corrupt-{now.UtcDateTime:yyyyMMddTHHmmssfffZ}";
        File.Move(path, target, overwrite: true);
        return target;
    }
}
