using CadMl.Domain.Classification;
using CadMl.Domain.Features;
using CadMl.Infrastructure.Models;
using CadMl.Tests.Shared;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace CadMl.Infrastructure.Tests.Models;

public sealed class OnnxRuntimeClassifierTests
{
    private static readonly ClassifierContract Contract = new(FeatureVersion.V4, "test-1", TestModels.DefaultClasses, new AbstentionPolicy(1e30, 0));

    private static OnnxRuntimeClassifier Runtime(string provider) =>
        new(Options.Create(new OnnxRuntimeOptions { ExecutionProvider = provider }));

    [Fact]
    public void A_classifier_runs_on_the_cpu_provider_and_labels_each_row()
    {
        var load = Runtime("cpu").Load(TestModels.Classifier(favoured: 1).Bytes(), Contract);
        using var session = load.Session!;
        var vectors = ModelSmoke.Vectors(FeatureVersion.V4);

        var run = session.Run([.. vectors.SelectMany(v => v)], vectors.Length, TimeSpan.FromSeconds(10));

        run.Failure.Should().BeNull();
        run.Labels.Should().HaveCount(vectors.Length).And.OnlyContain(l => l == "shaft");
        ModelSmoke.Check(Contract, vectors.Length, run.Labels, run.Probabilities, run.Distances).Should().BeNull();
        session.ExecutionProvider.Should().Be("cpu");
    }

    [Fact]
    public void The_execution_provider_is_configuration_and_an_unavailable_one_fails_the_load_instead_of_falling_back()
    {
        OrtEnv.Instance().GetAvailableProviders().Should().Contain("CPUExecutionProvider");

        var load = Runtime("cuda").Load(TestModels.Classifier().Bytes(), Contract);

        load.Session.Should().BeNull();
        load.Failure.Should().Contain("'cuda'").And.Contain("not available");
    }

    [Fact]
    public void A_model_with_nan_weights_runs_and_its_outputs_fail_the_smoke_rules()
    {
        using var session = Runtime("cpu").Load(TestModels.Classifier(nanWeights: true).Bytes(), Contract).Session!;
        var vectors = ModelSmoke.Vectors(FeatureVersion.V4);

        var run = session.Run([.. vectors.SelectMany(v => v)], vectors.Length, TimeSpan.FromSeconds(10));

        ModelSmoke.Check(Contract, vectors.Length, run.Labels, run.Probabilities, run.Distances).Should().Contain("finite");
    }

    [Fact]
    public void A_row_of_the_wrong_width_is_refused_before_the_runtime_sees_it()
    {
        using var session = Runtime("cpu").Load(TestModels.Classifier().Bytes(), Contract).Session!;

        session.Run(new float[10], 1, TimeSpan.FromSeconds(1)).Failure.Should().Contain("24 features");
    }
}
