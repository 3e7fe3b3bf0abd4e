using CadMl.Application.Common.Problems;
using CadMl.Application.Model.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Classification;
using CadMl.Domain.Features;

namespace CadMl.Application.Model.Serving;

/// <summary>
/// A part's class as analyze reports it, with the model and feature version that produced it.
/// <see cref="Label"/> is <c>unknown</c> when the model abstained (<see cref="Reason"/> says why);
/// <see cref="TopLabel"/> and <see cref="Confidence"/> (its calibrated probability) stay visible
/// either way, for diagnosis. Records stored before abstention existed read back with
/// <see cref="Abstained"/> false and the other new members null.
/// </summary>
public sealed record ClassificationDto(
    string Label,
    double Confidence,
    IReadOnlyDictionary<string, double> Probabilities,
    string ModelVersion,
    string FeatureVersion,
    bool Abstained = false,
    string? Reason = null,
    string? TopLabel = null,
    double? OodDistance = null);

/// <summary>Why a part was not classified; the analysis itself still succeeds.</summary>
public sealed record ClassificationIssueDto(string Code, string Message);

public sealed record ClassificationOutcome(ClassificationDto? Classification, ClassificationIssueDto? Issue);

/// <summary>
/// Classifies a parsed document with the serving model, using features of the version the model
/// was trained on, computed from the same document (so a v3 model keeps working while requests ask
/// for v4 vectors). Never fails the analysis: without a usable model it says why instead.
/// </summary>
public sealed class PartClassifier(ModelRegistry registry, IModelMetrics metrics, TimeProvider time)
{
    private static readonly TimeSpan InferenceBudget = TimeSpan.FromSeconds(5);

    public ClassificationOutcome Classify(CadDocument document)
    {
        using var lease = registry.Acquire();
        if (lease is null)
        {
            var last = registry.LastReload;
            return Skipped(ErrorCodes.ModelNotLoaded.Name, last is { Status: "failed" }
                ? $"No model is serving: the last load failed at stage {last.Stage} with {last.Code}."
                : "No model is serving.");
        }

        var model = lease.Model;
        var vector = FeatureExtractor.Extract(document, model.Contract.FeatureVersion);
        var features = new float[vector.Values.Count];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = (float)vector.Values[i];
            if (!float.IsFinite(features[i]))
            {
                return Skipped("FEATURES_OUT_OF_RANGE", $"Feature '{FeatureSlots.Of(vector.Version)[i].Name}' does not fit the model's float input.");
            }
        }

        var started = time.GetTimestamp();
        var run = model.Session.Run(features, 1, InferenceBudget);
        if (run.Failure is not null || run.Labels.Count != 1 || run.Probabilities.Length != model.Contract.Classes.Count || run.Distances.Length != 1)
        {
            return Skipped("CLASSIFICATION_FAILED", "The model could not classify this part: " + (run.Failure ?? "unexpected output shape."));
        }

        var top = run.Labels[0];
        var probabilities = new Dictionary<string, double>(model.Contract.Classes.Count, StringComparer.Ordinal);
        for (var c = 0; c < model.Contract.Classes.Count; c++)
        {
            probabilities[model.Contract.Classes[c]] = run.Probabilities[c];
        }

        var confidence = probabilities.GetValueOrDefault(top);
        double distance = run.Distances[0];
        var reason = model.Contract.Abstention.Decide(confidence, distance);
        var label = reason is null ? top : AbstentionPolicy.UnknownLabel;
        metrics.Inferred(time.GetElapsedTime(started), label);
        return new ClassificationOutcome(
            new ClassificationDto(label, confidence, probabilities, model.Identity.ModelVersion, model.Identity.FeatureVersion,
                reason is not null, reason?.Name(), top, float.IsFinite(run.Distances[0]) ? distance : null),
            null);
    }

    private static ClassificationOutcome Skipped(string code, string message) => new(null, new ClassificationIssueDto(code, message));
}
