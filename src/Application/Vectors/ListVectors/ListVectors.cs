using Ardalis.Result;
using CadMl.Application.Vectors.Ports;
using CadMl.Domain.Features;
using FluentValidation;
using Mediator;

namespace CadMl.Application.Vectors.ListVectors;

/// <summary>A page of stored vectors, oldest first, filtered by equality on the given meta and version.</summary>
public sealed record ListVectorsQuery(
    int Offset = 0,
    int Limit = 50,
    string? Material = null,
    string? Format = null,
    string? Version = null,
    string? Label = null) : IUseCaseQuery<VectorPageDto>;

public sealed record VectorPageDto(IReadOnlyList<VectorDto> Items, long Total, int Offset, int Limit);

internal sealed class ListVectorsValidator : AbstractValidator<ListVectorsQuery>
{
    public const int MaxLimit = 500;

    public ListVectorsValidator()
    {
        RuleFor(q => q.Offset).GreaterThanOrEqualTo(0);
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit);
        RuleFor(q => q.Version).KnownVersion();
    }
}

internal sealed class ListVectorsHandler(IVectorStore store) : IQueryHandler<ListVectorsQuery, Result<VectorPageDto>>
{
    public async ValueTask<Result<VectorPageDto>> Handle(ListVectorsQuery query, CancellationToken cancellationToken)
    {
        var version = query.Version is null ? null : FeatureVersions.Parse(query.Version).Name();
        var filter = new VectorFilter(query.Material, query.Format, version, query.Label);
        var page = await store.ListAsync(filter, query.Offset, query.Limit, cancellationToken);
        return Result.Success(new VectorPageDto([.. page.Items.Select(VectorDto.From)], page.Total, query.Offset, query.Limit));
    }
}
