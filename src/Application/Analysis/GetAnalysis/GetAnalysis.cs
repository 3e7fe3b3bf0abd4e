using Ardalis.Result;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Application.Vectors;
using Mediator;

namespace CadMl.Application.Analysis.GetAnalysis;

public sealed record GetAnalysisQuery(string Id) : IUseCaseQuery<AnalysisDto>;

/// <summary>
/// A stored analysis. Its similar parts are looked up again on every read rather than stored:
/// parts analysed later, deleted vectors and migrations all change them.
/// </summary>
internal sealed class GetAnalysisHandler(IAnalysisStore store, ISimilarParts similarParts) : IQueryHandler<GetAnalysisQuery, Result<AnalysisDto>>
{
    public async ValueTask<Result<AnalysisDto>> Handle(GetAnalysisQuery query, CancellationToken cancellationToken)
    {
        var record = await store.FindAsync(query.Id, cancellationToken);
        if (record is null)
        {
            return new Problem(ErrorCodes.AnalysisNotFound, "lookup", "No analysis has this id.",
                new Dictionary<string, object?> { ["id"] = query.Id }).ToResult<AnalysisDto>();
        }

        var similar = await similarParts.FindAsync(record.Id, cancellationToken);
        return Result.Success(AnalysisDto.From(record) with { Similar = similar });
    }
}
