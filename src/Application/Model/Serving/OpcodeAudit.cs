using CadMl.Domain.Classification;

namespace CadMl.Application.Model.Serving;

/// <summary>One scan as the operator audit shows it.</summary>
public sealed record OpcodeScanRecord(DateTimeOffset At, string Path, string Mode, bool Passed, int Operators, IReadOnlyList<OpcodeFindingDto> Refusals);

public sealed record OpcodeFindingDto(string Reason, string? Opcode, string? Tensor, string Location)
{
    public static OpcodeFindingDto From(OpcodeFinding finding) =>
        new(finding.ReasonName, finding.Operator?.ToString(), finding.Tensor, finding.Location);
}

/// <summary>Operator counts over every scan this process ran, for <c>/api/v1/model/opcode-audit</c>.</summary>
public sealed class OpcodeAudit
{
    private const int RecentScans = 20;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, long>> _refused = new(StringComparer.Ordinal);
    private readonly LinkedList<OpcodeScanRecord> _recent = new();
    private long _scans;

    public void Record(OpcodeScanVerdict verdict, string path, DateTimeOffset at)
    {
        lock (_gate)
        {
            _scans++;
            foreach (var (op, count) in verdict.Seen)
            {
                _seen[op.ToString()] = _seen.GetValueOrDefault(op.ToString()) + count;
            }

            foreach (var finding in verdict.Refusals)
            {
                if (!_refused.TryGetValue(finding.ReasonName, out var byKey))
                {
                    _refused[finding.ReasonName] = byKey = new Dictionary<string, long>(StringComparer.Ordinal);
                }

                var key = finding.Operator?.ToString() ?? finding.Tensor ?? "?";
                byKey[key] = byKey.GetValueOrDefault(key) + 1;
            }

            _recent.AddFirst(new OpcodeScanRecord(at, path, verdict.Mode.Name(), verdict.Passed, verdict.Seen.Sum(s => s.Value),
                [.. verdict.Refusals.Take(20).Select(OpcodeFindingDto.From)]));
            if (_recent.Count > RecentScans)
            {
                _recent.RemoveLast();
            }
        }
    }

    public OpcodeAuditSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new OpcodeAuditSnapshot(
                _scans,
                Ordered(_seen),
                _refused.ToDictionary(r => r.Key, r => Ordered(r.Value), StringComparer.Ordinal),
                [.. _recent]);
        }
    }

    private static Dictionary<string, long> Ordered(Dictionary<string, long> counts) =>
        counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
}

public sealed record OpcodeAuditSnapshot(
    long Scans,
    IReadOnlyDictionary<string, long> Opcodes,
    IReadOnlyDictionary<string, Dictionary<string, long>> Refused,
    IReadOnlyList<OpcodeScanRecord> RecentScans);
