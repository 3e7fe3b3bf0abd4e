using CadMl.Application.Model.Ports;
using CadMl.Domain.Classification;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace CadMl.Infrastructure.Models;

/// <summary>
/// ONNX Runtime behind <see cref="IModelRuntime"/>. The execution provider comes from
/// <c>MODEL_EXECUTION_PROVIDER</c>: <c>cpu</c> here, <c>cuda</c> on a GPU node with the GPU build of
/// the runtime. A provider this build lacks fails the load with a message saying so, never a silent
/// fall back to another provider.
/// </summary>
internal sealed class OnnxRuntimeClassifier(IOptions<OnnxRuntimeOptions> options) : IModelRuntime
{
    public string ExecutionProvider => options.Value.ExecutionProvider.Trim().ToLowerInvariant();

    public RuntimeLoad Load(byte[] model, ClassifierContract contract)
    {
        var provider = ExecutionProvider;
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            // Requests already run in parallel; one thread per inference keeps a small model from
            // fighting the request threads for the cores.
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };

        try
        {
            if (provider == "cuda")
            {
                sessionOptions.AppendExecutionProvider_CUDA(0);
            }
        }
        catch (Exception exception) when (exception is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            sessionOptions.Dispose();
            return new RuntimeLoad(null, $"execution provider '{provider}' is not available in this runtime build ({Clip(exception.Message)}).");
        }

        try
        {
            var session = new InferenceSession(model, sessionOptions);
            return new RuntimeLoad(new OnnxClassifierSession(session, sessionOptions, contract, provider), null);
        }
        catch (OnnxRuntimeException exception)
        {
            sessionOptions.Dispose();
            return new RuntimeLoad(null, "the runtime refused the model: " + Clip(exception.Message));
        }
    }

    internal static string Clip(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 300 ? line : line[..300] + "…";
    }
}

/// <summary>One immutable ONNX Runtime session. <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/> is safe to call concurrently.</summary>
internal sealed class OnnxClassifierSession(InferenceSession session, SessionOptions sessionOptions, ClassifierContract contract, string provider)
    : IClassifierSession
{
    private static readonly string[] InputNames = [ModelContract.InputName];
    private static readonly string[] OutputNames = [ModelContract.LabelOutput, ModelContract.ProbabilitiesOutput, ModelContract.DistanceOutput];

    public string ExecutionProvider => provider;

    public ClassifierRun Run(float[] features, int rows, TimeSpan budget)
    {
        if (rows < 1 || features.Length != rows * contract.InputDimension)
        {
            return ClassifierRun.Failed($"expected {rows} rows of {contract.InputDimension} features, got {features.Length} values.");
        }

        using var runOptions = new RunOptions();
        using var deadline = new CancellationTokenSource(budget);
        try
        {
            using var input = OrtValue.CreateTensorValueFromMemory(features, [rows, contract.InputDimension]);

            // The registration is disposed before the run options, and its disposal waits for a
            // running callback, so the deadline can never touch freed run options.
            using var terminate = deadline.Token.Register(() => runOptions.Terminate = true);
            using var outputs = session.Run(runOptions, InputNames, [input], OutputNames);
            var labels = outputs[0].GetStringTensorAsArray();
            var probabilities = outputs[1].GetTensorDataAsSpan<float>().ToArray();
            var distances = outputs[2].GetTensorDataAsSpan<float>().ToArray();
            return new ClassifierRun(labels, probabilities, distances);
        }
        catch (OnnxRuntimeException exception)
        {
            return ClassifierRun.Failed(deadline.IsCancellationRequested
                ? $"inference did not finish within {budget.TotalSeconds:F0} s."
                : "inference failed: " + OnnxRuntimeClassifier.Clip(exception.Message));
        }
    }

    public void Dispose()
    {
        session.Dispose();
        sessionOptions.Dispose();
    }
}
