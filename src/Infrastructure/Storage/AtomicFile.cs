using Mono.Unix.Native;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Replaces a file so that a reader (or a restart after a crash) sees either the old content or
/// the new, never a torn mix: write a temp file beside it, fsync it, rename over the target,
/// then fsync the folder so the rename itself survives power loss.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
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

        SyncFolder(folder);
    }

    /// <summary>
    /// Moves an untrustworthy file aside as <c>name.corrupt-&lt;utc timestamp&gt;</c> so it is kept for
    /// inspection but never read again; returns the new path.
    /// </summary>
    public static string Quarantine(string path, DateTimeOffset now)
    {
        var target = $"{path}.corrupt-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}";
        File.Move(path, target, overwrite: true);
        return target;
    }

    private static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // .NET cannot open a directory as a file handle, and fsync on the directory is what makes a
        // rename durable on POSIX, so this goes to libc. The flags' values differ between
        // architectures (O_DIRECTORY is not the same on x86-64 and arm64); Mono.Unix's native helper
        // is built per platform and maps its OpenFlags to that platform's constants.
        var fd = Syscall.open(folder, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"Cannot open {folder} to sync it ({Stdlib.GetLastError()}).");
        }

        try
        {
            if (Syscall.fsync(fd) != 0)
            {
                throw new IOException($"fsync of {folder} failed ({Stdlib.GetLastError()}).");
            }
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }
}
