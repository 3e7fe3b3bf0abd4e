namespace CadMl.Domain.Classification;

public enum OpcodeRefusal
{
    /// <summary>On the blocklist (blocklist mode).</summary>
    Blocklisted,

    /// <summary>Not on the allowlist (allowlist mode).</summary>
    NotAllowlisted,

    /// <summary>A domain that is neither standard nor a function defined in the model: no implementation is registered. Every mode.</summary>
    CustomDomain,

    /// <summary>A tensor stored outside the file: the runtime would open a path the model chose. Every mode.</summary>
    ExternalData,
}

public sealed record OpcodeFinding(OpcodeRefusal Reason, string Location, OperatorId? Operator = null, string? Tensor = null)
{
    public string ReasonName => Reason switch
    {
        OpcodeRefusal.Blocklisted => "blocklisted",
        OpcodeRefusal.NotAllowlisted => "not_allowlisted",
        OpcodeRefusal.CustomDomain => "custom_domain",
        OpcodeRefusal.ExternalData => "external_data",
        _ => throw new ArgumentOutOfRangeException(nameof(Reason), Reason, null),
    };
}

/// <summary>What the scan saw (every operator occurrence, counted) and what it refuses.</summary>
public sealed record OpcodeScanVerdict(
    OpcodeMode Mode,
    IReadOnlyList<KeyValuePair<OperatorId, int>> Seen,
    IReadOnlyList<OpcodeFinding> Refusals)
{
    public bool Passed => Refusals.Count == 0;
}

/// <summary>
/// The opcode scan as a pure rule over a <see cref="ModelInventory"/>. Custom domains and external
/// data are refused in every mode, audit included: no mode may let the runtime load code or files
/// the model names.
/// </summary>
public static class OpcodeScan
{
    public static OpcodeScanVerdict Judge(ModelInventory inventory, OpcodeMode mode)
    {
        var functions = inventory.LocalFunctions.ToHashSet();
        var seen = new Dictionary<OperatorId, int>();
        var order = new List<OperatorId>();
        var refusals = new List<OpcodeFinding>();

        foreach (var data in inventory.ExternalData)
        {
            refusals.Add(new OpcodeFinding(OpcodeRefusal.ExternalData, data.Location, Tensor: data.Tensor));
        }

        foreach (var use in inventory.Operators)
        {
            var op = use.Operator;
            if (seen.TryGetValue(op, out var count))
            {
                seen[op] = count + 1;
            }
            else
            {
                seen[op] = 1;
                order.Add(op);
            }

            // A call of a model-local function is judged by its body, which the inventory lists too.
            if (functions.Contains(new LocalFunctionId(op.Domain, op.OpType)))
            {
                continue;
            }

            if (!op.IsStandard)
            {
                refusals.Add(new OpcodeFinding(OpcodeRefusal.CustomDomain, use.Location, op));
            }
            else if (mode == OpcodeMode.Blocklist && OperatorLists.Blocked.Contains(op))
            {
                refusals.Add(new OpcodeFinding(OpcodeRefusal.Blocklisted, use.Location, op));
            }
            else if (mode == OpcodeMode.Allowlist && !OperatorLists.Allowed.Contains(op))
            {
                refusals.Add(new OpcodeFinding(OpcodeRefusal.NotAllowlisted, use.Location, op));
            }
        }

        return new OpcodeScanVerdict(mode, [.. order.Select(op => new KeyValuePair<OperatorId, int>(op, seen[op]))], refusals);
    }
}
