using Ardalis.Result;
using CadMl.Application.Analysis.Ports;
using CadMl.Application.Common.Problems;
using Mediator;

namespace CadMl.Application.Analysis.GetAnalysis;

public sealed record GetAnalysisQuery(string Id) : IQuery<Result<AnalysisDto>>;

internal sealed class GetAnalysisHandler(IAnalysisStore store) : IQueryHandler<GetAnalysisQuery, Result<AnalysisDto>>
{
    public async ValueTask<Result<AnalysisDto>> Handle(GetAnalysisQuery query, CancellationToken cancellationToken)
    {
        var record = await store.FindAsync(query.Id, cancellationToken);
        return record is null
            ? Problem.NotFound("ANALYSIS_NOT_FOUND", "lookup", "No analysis has this id.",
                new Dictionary<string, object?> { ["id"] = query.Id }).ToResult<AnalysisDto>()
            : Result.Success(AnalysisDto.From(record));
    }
}
