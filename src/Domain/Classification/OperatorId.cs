namespace CadMl.Domain.Classification;

/// <summary>
/// An operator as ONNX names it: domain and op type. The default domain is written <c>ai.onnx</c>
/// whether the file says "" or "ai.onnx", so counts and lists never split one operator in two.
/// </summary>
public readonly record struct OperatorId
{
    public const string DefaultDomain = "ai.onnx";
    public const string MlDomain = "ai.onnx.ml";

    public OperatorId(string? domain, string opType)
    {
        Domain = NormaliseDomain(domain);
        OpType = opType;
    }

    public string Domain { get; }

    public string OpType { get; }

    /// <summary>The standard domains, implemented by every ONNX runtime; anything else is a custom domain.</summary>
    public bool IsStandard => Domain is DefaultDomain or MlDomain;

    public static string NormaliseDomain(string? domain) =>
        string.IsNullOrEmpty(domain) || domain == DefaultDomain ? DefaultDomain : domain;

    /// <summary><c>domain:op_type</c>, the <c>opcode</c> label of the model metrics.</summary>
    public override string ToString() => $"{Domain}:{OpType}";
}
