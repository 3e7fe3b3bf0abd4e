using CadMl.Application.Common.Configuration;
using CadMl.Application.Model.Ports;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace CadMl.Infrastructure.Models;

/// <summary>
/// Opens model files inside <c>MODEL_DIR</c> only. The check that matters is made on the opened
/// handle (its real path from <c>/proc/self/fd</c>), not on the name: a link leading out of the
/// folder is refused, and swapping a link between the check and the read changes nothing because
/// the bytes come from the handle that was checked.
/// </summary>
internal sealed class ModelFileStore(IOptions<ModelOptions> options) : IModelFileStore
{
    private const int MaxLinkDepth = 40;

    public ModelFileOpening Open(string relativePath)
    {
        var root = RealPath(options.Value.FullModelDir);
        if (root is null)
        {
            return new ModelFileOpening(ModelFileStatus.NotFound);
        }

        var candidate = Path.GetFullPath(Path.Combine(root, relativePath));
        if (!IsInside(candidate, root))
        {
            return new ModelFileOpening(ModelFileStatus.OutsideFolder);
        }

        if (Directory.Exists(candidate))
        {
            return new ModelFileOpening(ModelFileStatus.NotAFile);
        }

        // Resolve before opening too, so a link to a device or pipe outside the folder is never opened.
        var real = RealPath(candidate);
        if (real is null || !File.Exists(real))
        {
            return new ModelFileOpening(ModelFileStatus.NotFound);
        }

        if (!IsInside(real, root))
        {
            return new ModelFileOpening(ModelFileStatus.OutsideFolder);
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(real, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            return new ModelFileOpening(ModelFileStatus.NotFound);
        }
        catch (UnauthorizedAccessException)
        {
            return new ModelFileOpening(ModelFileStatus.NotAFile);
        }

        var opened = OpenedPath(handle) ?? real;
        if (!IsInside(opened, root))
        {
            handle.Dispose();
            return new ModelFileOpening(ModelFileStatus.OutsideFolder);
        }

        return new ModelFileOpening(ModelFileStatus.Opened, new ModelFile(handle));
    }

    private static bool IsInside(string path, string root) =>
        path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>Where an open handle really points, when the OS can say (Linux: the fd's link in /proc).</summary>
    private static string? OpenedPath(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var link = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}");
        return link.Exists || link.LinkTarget is not null ? link.LinkTarget : null;
    }

    /// <summary>The path with every link in every component followed, or null when a component is missing or links loop.</summary>
    internal static string? RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var resolved = Path.GetPathRoot(full)!;
        var pending = new Stack<string>(full[resolved.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? resolved;
                continue;
            }

            var next = Path.Combine(resolved, part);
            FileSystemInfo info = new FileInfo(next);
            if (info.LinkTarget is not { } target)
            {
                if (!info.Exists && !Directory.Exists(next))
                {
                    return null;
                }

                resolved = next;
                continue;
            }

            if (++links > MaxLinkDepth)
            {
                return null;
            }

            // The target may itself run through links: start over from its root and resolve each part again.
            var targetFull = Path.GetFullPath(Path.Combine(resolved, target));
            var rest = targetFull[Path.GetPathRoot(targetFull)!.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            resolved = Path.GetPathRoot(targetFull)!;
            foreach (var segment in rest.Reverse())
            {
                pending.Push(segment);
            }
        }

        return resolved;
    }

    private sealed class ModelFile(SafeFileHandle handle) : IModelFile
    {
        private const int Chunk = 1 << 20;

        public byte[]? ReadBounded(long maxBytes, CancellationToken cancellationToken)
        {
            // Read up to one byte past the limit: that byte is the proof the file is too large.
            var limit = maxBytes + 1;
            using var buffer = new MemoryStream((int)Math.Min(Math.Max(RandomAccess.GetLength(handle), 0) + 1, Math.Min(limit, Chunk)));
            var chunk = new byte[(int)Math.Min(Chunk, limit)];
            long offset = 0;
            while (offset < limit)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var want = (int)Math.Min(chunk.Length, limit - offset);
                var read = RandomAccess.Read(handle, chunk.AsSpan(0, want), offset);
                if (read == 0)
                {
                    break;
                }

                buffer.Write(chunk, 0, read);
                offset += read;
            }

            return offset > maxBytes ? null : buffer.ToArray();
        }

        public void Dispose() => handle.Dispose();
    }
}
