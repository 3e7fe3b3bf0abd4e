using System.Runtime.InteropServices;

namespace CadMl.Infrastructure.Storage;

/// <summary>
/// Replaces a file so that a reader (or a restart after a crash) sees either the old content or
/// the new, never a torn mix: write a temp file beside it, fsync it, rename over the target,
/// then fsync the folder so the rename itself survives power loss.
/// </summary>
internal static partial class AtomicFile
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

        // .NET cannot open a directory as a file handle, and fsync on the directory is what makes
        // a rename durable on POSIX, so this goes to libc directly. Plain O_RDONLY opens a folder
        // too; O_DIRECTORY would only add a check that the path is a folder (it is: created
        // above), and its value differs between architectures (x86-64 and arm64 disagree), while
        // O_RDONLY is 0 on every Linux ABI.
        const int ReadOnly = 0;
        var fd = Open(folder, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open {folder} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of {folder} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
