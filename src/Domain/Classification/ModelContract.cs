using CadMl.Domain.Features;

namespace CadMl.Domain.Classification;

/// <summary>A graph input or output as declared in the file. A null dimension is symbolic or unknown.</summary>
public sealed record TensorSignature(string Name, string ElementType, IReadOnlyList<long?>? Dims)
{
    public int? Rank => Dims?.Count;
}

/// <summary>The model's declared interface: graph inputs (initializers excluded), outputs and <c>metadata_props</c>.</summary>
public sealed record ModelSignature(
    IReadOnlyList<TensorSignature> Inputs,
    IReadOnlyList<TensorSignature> Outputs,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>What a classifier promises once its interface checked out, with the abstention thresholds it brought.</summary>
public sealed record ClassifierContract(FeatureVersion FeatureVersion, string ModelVersion, IReadOnlyList<string> Classes, AbstentionPolicy Abstention)
{
    public int InputDimension => FeatureVersion.Dimension();
}

/// <summary>
/// The interface every served classifier has: input <c>features</c> float[N, D] where D is the
/// dimension of the feature version it declares, outputs <c>label</c> string[N], <c>probabilities</c>
/// float[N, C] (calibrated) and <c>ood_distance</c> float[N] (how far the part lies from the training
/// data), and metadata naming its classes, its version, its feature version and the two abstention
/// thresholds. A model without the abstention data is refused: served, it would answer every part
/// with a class, however unlike its training data, which is the failure abstention is there to stop.
/// </summary>
public static class ModelContract
{
    public const string InputName = "features";
    public const string LabelOutput = "label";
    public const string ProbabilitiesOutput = "probabilities";
    public const string DistanceOutput = "ood_distance";
    public const string ClassesKey = "classes";
    public const string ModelVersionKey = "model_version";
    public const string FeatureVersionKey = "feature_version";
    public const string MaxDistanceKey = "abstention_max_distance";
    public const string MinConfidenceKey = "abstention_min_confidence";
    public const int MaxClasses = 1000;

    public static ClassifierContract? Check(ModelSignature signature, out IReadOnlyList<string> violations)
    {
        var problems = new List<string>();
        var metadata = signature.Metadata;

        FeatureVersion? featureVersion = null;
        if (!metadata.TryGetValue(FeatureVersionKey, out var declared) || !FeatureVersions.TryParse(declared, out var parsed))
        {
            problems.Add($"metadata '{FeatureVersionKey}' must be one of {string.Join(", ", FeatureVersions.Names)}.");
        }
        else
        {
            featureVersion = parsed;
        }

        var modelVersion = metadata.TryGetValue(ModelVersionKey, out var version) ? version.Trim() : "";
        if (modelVersion.Length is 0 or > 64 || modelVersion.Any(char.IsControl))
        {
            problems.Add($"metadata '{ModelVersionKey}' must be a non-empty name of at most 64 characters.");
        }

        var classes = metadata.TryGetValue(ClassesKey, out var names)
            ? names.Split(',', StringSplitOptions.TrimEntries).ToList()
            : [];
        if (classes.Count is < 2 or > MaxClasses || classes.Any(c => c.Length == 0 || c.Any(char.IsControl)) || classes.Distinct(StringComparer.Ordinal).Count() != classes.Count)
        {
            problems.Add($"metadata '{ClassesKey}' must list 2 to {MaxClasses} distinct, non-empty class names separated by commas.");
        }

        var abstention = AbstentionPolicy.Read(metadata, problems);

        if (signature.Inputs.Count != 1)
        {
            problems.Add($"the model must have exactly one input '{InputName}' (has {signature.Inputs.Count}).");
        }
        else
        {
            var input = signature.Inputs[0];
            if (input.Name != InputName || input.ElementType != "float" || input.Rank != 2)
            {
                problems.Add($"input must be '{InputName}' float[N, D] (is '{input.Name}' {input.ElementType}{Shape(input)}).");
            }
            else if (featureVersion is { } v && input.Dims![1] != v.Dimension())
            {
                problems.Add($"input '{InputName}' has width {Dim(input.Dims[1])}, but feature version {v.Name()} has dimension {v.Dimension()}.");
            }
            else if (input.Dims![0] is { } batch && batch != -1)
            {
                problems.Add($"input '{InputName}' must take any batch size N (declares {batch}).");
            }
        }

        var outputs = signature.Outputs.Select(o => o.Name).ToList();
        if (outputs.Count != 3 || !outputs.Contains(LabelOutput) || !outputs.Contains(ProbabilitiesOutput) || !outputs.Contains(DistanceOutput))
        {
            problems.Add($"the model must have exactly the outputs '{LabelOutput}', '{ProbabilitiesOutput}' and '{DistanceOutput}' (has {string.Join(", ", outputs.Select(o => $"'{o}'"))}).");
        }
        else
        {
            var label = signature.Outputs.Single(o => o.Name == LabelOutput);
            if (label.ElementType != "string" || label.Rank is not (null or 1))
            {
                problems.Add($"output '{LabelOutput}' must be string[N] (is {label.ElementType}{Shape(label)}).");
            }

            var probabilities = signature.Outputs.Single(o => o.Name == ProbabilitiesOutput);
            if (probabilities.ElementType != "float" || probabilities.Rank is not (null or 2))
            {
                problems.Add($"output '{ProbabilitiesOutput}' must be float[N, C] (is {probabilities.ElementType}{Shape(probabilities)}).");
            }
            else if (probabilities.Dims is { } dims && dims[1] is { } width && width != -1 && width != classes.Count)
            {
                problems.Add($"output '{ProbabilitiesOutput}' has {width} columns for {classes.Count} classes.");
            }

            var distance = signature.Outputs.Single(o => o.Name == DistanceOutput);
            if (distance.ElementType != "float" || distance.Rank is not (null or 1))
            {
                problems.Add($"output '{DistanceOutput}' must be float[N] (is {distance.ElementType}{Shape(distance)}).");
            }
        }

        violations = problems;
        return problems.Count == 0 ? new ClassifierContract(featureVersion!.Value, modelVersion, classes, abstention!) : null;
    }

    private static string Shape(TensorSignature tensor) =>
        tensor.Dims is null ? "" : $"[{string.Join(", ", tensor.Dims.Select(Dim))}]";

    private static string Dim(long? dim) => dim is { } d && d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
}
