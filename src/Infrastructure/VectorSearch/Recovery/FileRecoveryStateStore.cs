using CadMl.Application.Common.Configuration;
using CadMl.Application.Faiss.Ports;
using CadMl.Domain.Degradation;
using CadMl.Infrastructure.Storage;
using Microsoft.Extensions.Options;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>
/// The state as one JSON file (default <c>data/faiss_recovery_state.json</c>), replaced atomically
/// (temp file, fsync, rename, folder fsync) so a crash leaves the old state or the new, never half.
/// A file that cannot be trusted is renamed to <c>*.corrupt-&lt;timestamp&gt;</c>: kept for the
/// post-mortem, out of the way of the next load, and reported.
/// </summary>
internal sealed class FileRecoveryStateStore(IOptions<RecoveryStateOptions> options, IOptions<DataOptions> data, TimeProvider time) : IRecoveryStateStore
{
    public string Backend => "file";

    public string Path { get; } = string.IsNullOrWhiteSpace(options.Value.StatePath)
        ? System.IO.Path.Combine(data.Value.FullDataDir, "faiss_recovery_state.json")
        : System.IO.Path.GetFullPath(options.Value.StatePath);

    public async Task<RecoveryStateLoad> LoadAsync(Func<DegradationState, IEnumerable<string>> problems, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(problems, cancellationToken);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryStateUnavailableException($"reading {Path} failed", exception);
        }
    }

    private async Task<RecoveryStateLoad> ReadAsync(Func<DegradationState, IEnumerable<string>> problems, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return RecoveryStateLoad.Empty;
        }

        var content = await File.ReadAllBytesAsync(Path, cancellationToken);
        var state = RecoveryStateJson.Parse(content, problems, out var problem);
        if (state is not null)
        {
            return new RecoveryStateLoad(state, null);
        }

        var aside = AtomicFile.Quarantine(Path, time.GetUtcNow());
        return new RecoveryStateLoad(null, $"state file refused ({problem}); moved to {System.IO.Path.GetFileName(aside)}");
    }

    public Task SaveAsync(DegradationState state, CancellationToken cancellationToken)
    {
        try
        {
            AtomicFile.Write(Path, RecoveryStateJson.Serialize(state));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new RecoveryStateUnavailableException($"writing {Path} failed", exception);
        }

        return Task.CompletedTask;
    }
}
