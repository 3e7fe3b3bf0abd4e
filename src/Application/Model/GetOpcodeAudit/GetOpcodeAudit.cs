using Ardalis.Result;
using CadMl.Application.Common.Configuration;
using CadMl.Application.Model.Serving;
using CadMl.Domain.Classification;
using Mediator;
using Microsoft.Extensions.Options;

namespace CadMl.Application.Model.GetOpcodeAudit;

/// <summary>What the opcode scans of this process have seen and refused, for the operator.</summary>
public sealed record GetOpcodeAuditQuery : IUseCaseQuery<OpcodeAuditDto>;

public sealed record OpcodeAuditDto(
    string Mode,
    long Scans,
    IReadOnlyDictionary<string, long> Opcodes,
    IReadOnlyDictionary<string, Dictionary<string, long>> Refused,
    IReadOnlyList<OpcodeScanRecord> RecentScans,
    int AllowlistSize,
    int BlocklistSize);

internal sealed class GetOpcodeAuditHandler(OpcodeAudit audit, IOptions<ModelOptions> options)
    : IQueryHandler<GetOpcodeAuditQuery, Result<OpcodeAuditDto>>
{
    public ValueTask<Result<OpcodeAuditDto>> Handle(GetOpcodeAuditQuery query, CancellationToken cancellationToken)
    {
        var snapshot = audit.Snapshot();
        return ValueTask.FromResult(Result.Success(new OpcodeAuditDto(
            options.Value.Mode.Name(),
            snapshot.Scans,
            snapshot.Opcodes,
            snapshot.Refused,
            snapshot.RecentScans,
            OperatorLists.Allowed.Count,
            OperatorLists.Blocked.Count)));
    }
}
