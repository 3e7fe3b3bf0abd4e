namespace CadMl.Domain.Classification;

/// <summary>
/// The operator lists of the opcode scan. The allowlist is what a feature-vector classifier
/// (linear models, small MLPs, tree ensembles, label lookup) needs; control flow is on it because
/// the scan walks every branch and body, so what runs inside is judged on its own. The blocklist
/// holds standard operators a classifier has no business with: non-deterministic ones (a served
/// prediction must be reproducible), string machinery with regular expressions (ReDoS), and ones
/// whose allocation size is computed from data at run time (memory exhaustion from a crafted input).
/// </summary>
public static class OperatorLists
{
    public static IReadOnlySet<OperatorId> Allowed { get; } = Standard(
        "Abs", "Add", "And", "ArgMax", "ArgMin", "BatchNormalization", "Cast", "CastLike", "Ceil", "Clip", "Concat",
        "Constant", "Div", "Dropout", "Elu", "Equal", "Erf", "Exp", "Flatten", "Floor", "Gather", "GatherElements",
        "Gelu", "Gemm", "Greater", "GreaterOrEqual", "HardSigmoid", "Identity", "If", "IsInf", "IsNaN",
        "LayerNormalization", "LeakyRelu", "Less", "LessOrEqual", "Log", "LogSoftmax", "Loop", "MatMul", "Max", "Mean",
        "Min", "Mul", "Neg", "Not", "Or", "Pow", "PRelu", "Reciprocal", "ReduceL2", "ReduceLogSumExp", "ReduceMax",
        "ReduceMean", "ReduceMin", "ReduceSum", "Relu", "Reshape", "Round", "Scan", "Selu", "Shape", "Sigmoid", "Sign",
        "Size", "Slice", "Softmax", "Softplus", "Softsign", "Split", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "TopK",
        "Transpose", "Unsqueeze", "Where", "Xor")
        .Concat(Ml("ArrayFeatureExtractor", "Binarizer", "LabelEncoder", "LinearClassifier", "LinearRegressor",
            "Normalizer", "Scaler", "SVMClassifier", "TreeEnsembleClassifier", "TreeEnsembleRegressor"))
        .ToHashSet();

    public static IReadOnlySet<OperatorId> Blocked { get; } = Standard(
        "Bernoulli", "ConstantOfShape", "Expand", "Multinomial", "RandomNormal", "RandomNormalLike", "RandomUniform",
        "RandomUniformLike", "Range", "RegexFullMatch", "Resize", "StringConcat", "StringNormalizer", "StringSplit",
        "TfIdfVectorizer", "Tile", "Upsample")
        .ToHashSet();

    private static IEnumerable<OperatorId> Standard(params string[] ops) => ops.Select(op => new OperatorId(OperatorId.DefaultDomain, op));

    private static IEnumerable<OperatorId> Ml(params string[] ops) => ops.Select(op => new OperatorId(OperatorId.MlDomain, op));
}
