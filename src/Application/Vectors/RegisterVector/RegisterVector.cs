using System.Text.Json.Serialization;
using Ardalis.Result;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Common.Idempotency;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using Mediator;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Vectors.RegisterVector;

/// <summary>
/// Stores a vector durably under <paramref name="Id"/> (replacing any earlier one) and indexes it.
/// <paramref name="IdempotencyKey"/> comes from the <c>Idempotency-Key</c> header, never from the body.
/// </summary>
public sealed record RegisterVectorCommand(
    string Id,
    IReadOnlyList<double>? Vector,
    string? FeatureVersion = null,
    IReadOnlyDictionary<string, string>? Meta = null,
    [property: JsonIgnore] string? IdempotencyKey = null) : IUseCaseCommand<VectorDto>
{
    public const string IdempotencyScope = "vectors";

    /// <summary>Everything that decides the stored vector; the key's fingerprint.</summary>
    public string Fingerprint() => IdempotencyKeys.Fingerprint(
        new[] { Id, FeatureVersion, Vector is null ? null : string.Join(",", Vector.Select(v => IdempotencyKeys.Number(v))) }
            .Concat((Meta ?? new Dictionary<string, string>()).OrderBy(e => e.Key, StringComparer.Ordinal).SelectMany(e => new[] { e.Key, e.Value })));
}

internal sealed class RegisterVectorHandler(VectorRegistry registry, IVectorStore store, IdempotentRequests idempotent, WrittenGeneration written, IOptions<AnalysisOptions> analysis, TimeProvider time)
    : ICommandHandler<RegisterVectorCommand, Result<VectorDto>>
{
    public async ValueTask<Result<VectorDto>> Handle(RegisterVectorCommand command, CancellationToken cancellationToken) =>
        command.IdempotencyKey is { } key
            ? await idempotent.RunAsync(
                new IdempotentRequest(RegisterVectorCommand.IdempotencyScope, key, command.Fingerprint()),
                claim => RegisterAsync(command, claim, cancellationToken),
                id => StoredAsync(id, cancellationToken),
                cancellationToken)
            : await RegisterAsync(command, null, cancellationToken);

    private async Task<Result<VectorDto>> RegisterAsync(RegisterVectorCommand command, IdempotencyClaim? claim, CancellationToken cancellationToken)
    {
        var values = command.Vector!;
        var version = VectorRules.VersionOf(command.FeatureVersion, values.Count, analysis.Value.FeatureVersion);
        if (VectorRules.DimensionProblem(version, values.Count) is { } mismatch)
        {
            return mismatch.ToResult<VectorDto>();
        }

        FeatureVector.TryCreate(version, values, out var vector);
        var meta = command.Meta ?? new Dictionary<string, string>();
        var write = await registry.RegisterAsync(command.Id, vector!, meta, time.GetUtcNow(), claim, cancellationToken);
        written.Produced(write.Generation);
        return Result.Created(VectorDto.From(write.Vector));
    }

    /// <summary>A replay whose answer was lost: the vector as stored now (201, as the first answer was).</summary>
    private async Task<Result<VectorDto>> StoredAsync(string id, CancellationToken cancellationToken) =>
        await store.FindAsync(id, cancellationToken) is { } stored
            ? Result.Created(VectorDto.From(stored))
            : VectorProblems.NotFound(id).ToResult<VectorDto>();
}
