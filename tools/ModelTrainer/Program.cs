using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CadMl.Application;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Features;
using CadMl.Infrastructure;
using CadMl.ModelTrainer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;

// Trains the part classifier and writes <out>/cadml-part-classifier.onnx and <out>/MODEL_CARD.md.
//   synthetic [--per-class N] [--seed S] [--files DIR] [options]   six synthetic part families, each written as DXF, STL and STEP files in turn
//   folder ROOT [--seed S] [options]                               ROOT/<label>/**/<file>.{dxf,stl,step,stp,iges,igs}
//   options: [--out DIR] [--version V] [--hidden W[,W…]] [--epochs E]   (--hidden 0: no hidden layer, logistic regression)
// Every file goes through the service's own readers and v4 feature extraction, as in analyze.
var arguments = Arguments.Parse(args);
if (arguments.Mode is not ("synthetic" or "folder"))
{
    Console.Error.WriteLine("usage: CadMl.ModelTrainer synthetic [--per-class N] [--seed S] [--files DIR] [options] | folder ROOT [--seed S] [options]; options: [--out DIR] [--version V] [--hidden W[,W...]] [--epochs E]");
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
string source;
var clock = Stopwatch.StartNew();
if (arguments.Mode == "synthetic")
{
    var perClass = arguments.Int("--per-class", 1200);
    var fileDir = Path.GetFullPath(arguments.Value("--files") ?? Path.Combine(Path.GetTempPath(), $"cadml-synthetic-{seed}"));
    var random = new Random(seed);
    foreach (var family in SyntheticParts.Families)
    {
        Directory.CreateDirectory(Path.Combine(fileDir, family));
        for (var i = 0; i < perClass; i++)
        {
            var format = SyntheticParts.Formats[i % SyntheticParts.Formats.Length];
            var name = $"{family}-{i:D4}";
            var path = Path.Combine(fileDir, family, $"{name}.{format}");
            File.WriteAllBytes(path, SyntheticParts.Write(family, format, name, random));
            files.Add((family, path));
        }
    }

    source = $"synthetic --per-class {perClass} --seed {seed}";
    dataDescription = $"{perClass} synthetic parts per family ({files.Count} files, seed {seed}), a third each written as DXF drawings, STL meshes and STEP B-rep solids by tools/ModelTrainer (SyntheticParts.cs, Solids/), and read back with the service's DXF, STL and STEP readers";
}
else
{
    var root = Path.GetFullPath(arguments.Positional ?? throw new ArgumentException("folder mode needs ROOT"));
    foreach (var labelDir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
    {
        files.AddRange(Directory.EnumerateFiles(labelDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(labelDir), f)));
    }

    source = $"folder {Path.GetFileName(root)} --seed {seed}";
    dataDescription = $"{files.Count} labelled files from a folder tree (folder name = label)";
}

var samples = new List<Sample>();
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
            samples.Add(new Sample(label, document.Format.Name(), features));
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

// 80/20 split stratified by class and format, fixed by the seed, so every format is held out in proportion.
var shuffle = new Random(seed + 1);
var train = new List<Sample>();
var test = new List<Sample>();
foreach (var group in samples.GroupBy(s => (s.Label, s.Format)))
{
    var items = group.OrderBy(_ => shuffle.Next()).ToList();
    var cut = (int)Math.Round(items.Count * 0.8);
    train.AddRange(items.Take(cut));
    test.AddRange(items.Skip(cut));
}

var readingTime = clock.Elapsed;
clock.Restart();
int[] hidden = [.. (arguments.Value("--hidden") ?? "64").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).Where(w => w > 0)];
var options = new TrainingOptions(hidden, arguments.Int("--epochs", 300), BatchSize: 64, LearningRate: 0.003, L2: 1e-4);
var model = FeedForwardClassifier.Train([.. train.Select(s => s.Features)], [.. train.Select(s => classes.IndexOf(s.Label))], classes.Count, options, seed + 2);
var trainingTime = clock.Elapsed;
var majority = train.GroupBy(s => s.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
var predicted = test.Select(s => classes[model.Predict(s.Features)]).ToList();
var evaluation = new Evaluation(classes, test, predicted, majority);

var modelVersion = arguments.Value("--version") ?? "cadml-parts-2";
var retrain = $"{source} --hidden {(hidden.Length == 0 ? "0" : string.Join(",", hidden))} --epochs {options.Epochs} --version {modelVersion} --out models";
var bytes = OnnxExport.ToOnnx(model, classes, modelVersion, FeatureVersion.V4, new Dictionary<string, string>
{
    ["training_samples"] = train.Count.ToString(CultureInfo.InvariantCulture),
    ["held_out_samples"] = test.Count.ToString(CultureInfo.InvariantCulture),
    ["held_out_accuracy"] = evaluation.Accuracy.ToString("F4", CultureInfo.InvariantCulture),
    ["majority_baseline"] = evaluation.Baseline.ToString("F4", CultureInfo.InvariantCulture),
    ["formats"] = string.Join(",", evaluation.Formats),
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
var card = ModelCard.Write(modelFile, modelVersion, model.Describe(options), OnnxExport.Operators(model), dataDescription, train, evaluation, onnxAccuracy, sha256, bytes.Length, seed, skipped, retrain);
File.WriteAllText(Path.Combine(outDir, "MODEL_CARD.md"), card, Encoding.UTF8);

Console.WriteLine($"classes: {string.Join(", ", classes)}");
Console.WriteLine($"samples: {samples.Count} ({train.Count} train, {test.Count} held out), skipped {skipped}");
Console.WriteLine($"held-out accuracy: {evaluation.Accuracy:P2} (ONNX Runtime: {onnxAccuracy:P2}); majority baseline ({majority}): {evaluation.Baseline:P2}");
foreach (var format in evaluation.Formats)
{
    Console.WriteLine($"  {format}: {evaluation.AccuracyOf(format):P2} of {evaluation.CountOf(format)} (baseline {evaluation.BaselineOf(format):P2})");
}

foreach (var label in classes)
{
    Console.WriteLine($"  {label}: recall {evaluation.RecallOf(label):P2} ({string.Join(", ", evaluation.Formats.Select(f => $"{f} {evaluation.RecallOf(label, f):P0}"))})");
}

Console.WriteLine($"time: {readingTime.TotalSeconds:F1} s writing and reading files, {trainingTime.TotalSeconds:F1} s training");
Console.WriteLine($"wrote {Path.Combine(outDir, modelFile)} ({bytes.Length} bytes, sha256 {sha256})");
return 0;
