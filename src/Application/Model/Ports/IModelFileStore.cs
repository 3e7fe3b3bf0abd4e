namespace CadMl.Application.Model.Ports;

public enum ModelFileStatus
{
    Opened,
    NotFound,

    /// <summary>The path exists but its real location (after following links) is outside the model folder.</summary>
    OutsideFolder,

    /// <summary>The path names a directory, a device or something else that is not a regular file.</summary>
    NotAFile,
}

/// <summary>
/// The model folder (<c>MODEL_DIR</c>). The relative path has already passed the pure path rules;
/// the store opens it and checks the real location of the opened file, so a link cannot lead out
/// of the folder, nor be swapped between the check and the read.
/// </summary>
public interface IModelFileStore
{
    ModelFileOpening Open(string relativePath);
}

public sealed record ModelFileOpening(ModelFileStatus Status, IModelFile? File = null);

/// <summary>An opened model file. Disposing closes it.</summary>
public interface IModelFile : IDisposable
{
    /// <summary>
    /// One bounded read: at most <paramref name="maxBytes"/> + 1 bytes are ever read. Null when the
    /// file holds more than <paramref name="maxBytes"/>, so an oversized file costs the limit, not its size.
    /// A cancelled read stops at the next chunk: a slow disk must not hold a reload the caller gave up on.
    /// </summary>
    byte[]? ReadBounded(long maxBytes, CancellationToken cancellationToken);
}
