using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CadMl.Application;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Features;
using CadMl.Infrastructure;
using CadMl.ModelTrainer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;

// Trains the part classifier and writes <out>/cadml-part-classifier.onnx and <out>/MODEL_CARD.md.
//   synthetic [--per-class N] [--seed S] [--out DIR] [--files DIR]   six synthetic part families, drawn as DXF files
//   folder ROOT [--seed S] [--out DIR]                               ROOT/<label>/**/<file>.{dxf,stl,step,stp,iges,igs}
// Every file goes through the service's own readers and v4 feature extraction, as in analyze.
var arguments = Arguments.Parse(args);
if (arguments.Mode is not ("synthetic" or "folder"))
{
    Console.Error.WriteLine("usage: CadMl.ModelTrainer synthetic [--per-class N] [--seed S] [--out DIR] [--files DIR] | folder ROOT [--seed S] [--out DIR]");
    return 2;
}

var services = new ServiceCollection()
    .AddLogging()
    .AddApplication(new ConfigurationBuilder().Build())
    .AddInfrastructure(new ConfigurationBuilder().Build())
    .BuildServiceProvider();
var readers = services.GetServices<ICadReader>().ToList();
var seed = arguments.Int("--seed", 20261125);
var outDir = Path.GetFullPath(arguments.Value("--out") ?? "models");
const string modelFile = "cadml-part-classifier.onnx";

var files = new List<(string Label, string Path)>();
string dataDescription;
if (arguments.Mode == "synthetic")
{
    var perClass = arguments.Int("--per-class", 300);
    var fileDir = Path.GetFullPath(arguments.Value("--files") ?? Path.Combine(Path.GetTempPath(), $"cadml-synthetic-{seed}"));
    var random = new Random(seed);
    foreach (var family in SyntheticParts.Families)
    {
        Directory.CreateDirectory(Path.Combine(fileDir, family));
        for (var i = 0; i < perClass; i++)
        {
            var path = Path.Combine(fileDir, family, $"{family}-{i:D4}.dxf");
            File.WriteAllBytes(path, SyntheticParts.Draw(family, random));
            files.Add((family, path));
        }
    }

    // TODO(readers): STL and STEP readers are not in main yet; once they are, also write the 3D
    // families (shaft, housing, gear) as STL meshes and STEP solids here so the model sees every format.
    dataDescription = $"{perClass} synthetic DXF drawings per family ({files.Count} files, seed {seed}), written by tools/ModelTrainer/SyntheticParts.cs and read back with the service's DXF reader";
}
else
{
    var root = Path.GetFullPath(arguments.Positional ?? throw new ArgumentException("folder mode needs ROOT"));
    foreach (var labelDir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
    {
        files.AddRange(Directory.EnumerateFiles(labelDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(labelDir), f)));
    }

    dataDescription = $"{files.Count} labelled files from a folder tree (folder name = label)";
}

var samples = new List<(string Label, double[] Features)>();
var skipped = 0;
foreach (var (label, path) in files)
{
    var extension = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
    if (readers.FirstOrDefault(r => r.Extensions.Contains(extension)) is not { } reader)
    {
        skipped++;
        continue;
    }

    try
    {
        var document = reader.Read(File.ReadAllBytes(path), CancellationToken.None);
        var features = FeatureExtractor.Extract(document, FeatureVersion.V4).Values.ToArray();
        if (features.All(double.IsFinite))
        {
            samples.Add((label, features));
            continue;
        }
    }
    catch (Exception exception) when (exception is CadReadException or InvalidDataException or FormatException)
    {
        Console.Error.WriteLine($"skipped {path}: {exception.Message}");
    }

    skipped++;
}

var classes = samples.Select(s => s.Label).Distinct().Order(StringComparer.Ordinal).ToList();
if (classes.Count < 2)
{
    Console.Error.WriteLine("need at least two labels with readable files");
    return 1;
}

// Stratified 80/20 split, fixed by the seed.
var shuffle = new Random(seed + 1);
var train = new List<(string Label, double[] Features)>();
var test = new List<(string Label, double[] Features)>();
foreach (var group in samples.GroupBy(s => s.Label))
{
    var items = group.OrderBy(_ => shuffle.Next()).ToList();
    var cut = (int)Math.Round(items.Count * 0.8);
    train.AddRange(items.Take(cut));
    test.AddRange(items.Skip(cut));
}

var model = SoftmaxRegression.Train([.. train.Select(s => s.Features)], [.. train.Select(s => classes.IndexOf(s.Label))], classes.Count);
var majority = train.GroupBy(s => s.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
var baseline = test.Count(s => s.Label == majority) / (double)test.Count;
var predicted = test.Select(s => classes[model.Predict(s.Features)]).ToList();
var accuracy = test.Where((s, i) => predicted[i] == s.Label).Count() / (double)test.Count;

var modelVersion = arguments.Value("--version") ?? "cadml-parts-1";
var bytes = OnnxExport.ToOnnx(model, classes, modelVersion, FeatureVersion.V4, new Dictionary<string, string>
{
    ["training_samples"] = train.Count.ToString(CultureInfo.InvariantCulture),
    ["held_out_samples"] = test.Count.ToString(CultureInfo.InvariantCulture),
    ["held_out_accuracy"] = accuracy.ToString("F4", CultureInfo.InvariantCulture),
    ["majority_baseline"] = baseline.ToString("F4", CultureInfo.InvariantCulture),
});

// The exported graph, run by ONNX Runtime, must agree with the trainer on the held-out set.
using var session = new InferenceSession(bytes);
using var input = OrtValue.CreateTensorValueFromMemory(test.SelectMany(s => s.Features.Select(v => (float)v)).ToArray(), [test.Count, 24]);
using var outputs = session.Run(new RunOptions(), ["features"], [input], ["label", "probabilities"]);
var onnxLabels = outputs[0].GetStringTensorAsArray();
var onnxAccuracy = test.Where((s, i) => onnxLabels[i] == s.Label).Count() / (double)test.Count;

Directory.CreateDirectory(outDir);
File.WriteAllBytes(Path.Combine(outDir, modelFile), bytes);
var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
var card = ModelCard.Write(modelFile, modelVersion, classes, dataDescription, train, test, predicted, accuracy, onnxAccuracy, majority, baseline, sha256, bytes.Length, seed, skipped);
File.WriteAllText(Path.Combine(outDir, "MODEL_CARD.md"), card, Encoding.UTF8);

Console.WriteLine($"classes: {string.Join(", ", classes)}");
Console.WriteLine($"samples: {samples.Count} ({train.Count} train, {test.Count} held out), skipped {skipped}");
Console.WriteLine($"held-out accuracy: {accuracy:P2} (ONNX Runtime: {onnxAccuracy:P2}); majority baseline ({majority}): {baseline:P2}");
Console.WriteLine($"wrote {Path.Combine(outDir, modelFile)} ({bytes.Length} bytes, sha256 {sha256})");
return 0;
