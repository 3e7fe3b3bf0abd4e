using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CadMl.Application;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Domain.Classification;
using CadMl.Domain.Features;
using CadMl.Infrastructure;
using CadMl.ModelTrainer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;

// Trains the part classifier and writes <out>/cadml-part-classifier.onnx and <out>/MODEL_CARD.md.
//   synthetic [--per-class N] [--seed S] [--files DIR] [options]   six synthetic part families, each written as DXF, STL and STEP files in turn
//   folder ROOT [--seed S] [options]                               ROOT/<label>/**/<file>.{dxf,stl,step,stp,iges,igs}
//   options: [--out DIR] [--version V] [--feature-version V] [--hidden W[,W…]] [--epochs E]   (--hidden 0: no hidden layer, logistic regression)
//            [--ignore-slots NAME[,NAME…]]   slots the network must not read (default for v5: size_log, so a ×10 unit change cannot move the label)
//            [--outside DIR[,DIR…]]          real parts outside the classes: how often the model says unknown
//            [--known LABEL=DIR/PATTERN]     real parts of one class, e.g. plate=.corpus/stl/*bed*
//            [--stability N]                 held-out parts re-read after a random rotation and a ×10 scale, N each (0: none)
// Every file goes through the service's own readers and feature extraction, as in analyze.
var arguments = Arguments.Parse(args);
if (arguments.Mode is not ("synthetic" or "folder"))
{
    Console.Error.WriteLine("usage: CadMl.ModelTrainer synthetic [--per-class N] [--seed S] [--files DIR] [options] | folder ROOT [--seed S] [options]; options: [--out DIR] [--version V] [--feature-version V] [--hidden W[,W...]] [--epochs E] [--outside DIR[,DIR...]] [--known LABEL=DIR/PATTERN] [--stability N]");
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
var featureVersion = FeatureVersions.Parse(arguments.Value("--feature-version") ?? TrainerDefaults.FeatureVersion.Name());
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

var partReader = new PartReader(readers, featureVersion);
var samples = new List<Sample>();
var skipped = 0;
foreach (var (label, path) in files)
{
    if (partReader.Read(path, File.ReadAllBytes(path)) is { } read)
    {
        samples.Add(new Sample(label, read.Format, read.Features, path));
    }
    else
    {
        skipped++;
    }
}

var classes = samples.Select(s => s.Label).Distinct().Order(StringComparer.Ordinal).ToList();
if (classes.Count < 2)
{
    Console.Error.WriteLine("need at least two labels with readable files");
    return 1;
}

// 70/10/20 split stratified by class and format, fixed by the seed: the network trains on 70 %, the
// temperature and the abstention thresholds are fitted on the 10 % calibration split, and every
// number on the card is measured on the 20 % held out from both.
var shuffle = new Random(seed + 1);
var train = new List<Sample>();
var calibration = new List<Sample>();
var test = new List<Sample>();
foreach (var group in samples.GroupBy(s => (s.Label, s.Format)))
{
    var items = group.OrderBy(_ => shuffle.Next()).ToList();
    var (trainCut, testCut) = ((int)Math.Round(items.Count * 0.7), (int)Math.Round(items.Count * 0.8));
    train.AddRange(items.Take(trainCut));
    calibration.AddRange(items.Take(testCut).Skip(trainCut));
    test.AddRange(items.Skip(testCut));
}

if (calibration.Count == 0)
{
    Console.Error.WriteLine("too few files for a calibration split: give each label and format at least 5 readable files");
    return 1;
}

var readingTime = clock.Elapsed;
clock.Restart();
int[] hidden = [.. (arguments.Value("--hidden") ?? "64").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).Where(w => w > 0)];
var options = new TrainingOptions(hidden, arguments.Int("--epochs", 300), BatchSize: 64, LearningRate: 0.003, L2: 1e-4);
var ignoredSlots = (arguments.Value("--ignore-slots") ?? string.Join(",", TrainerDefaults.IgnoredSlots(featureVersion))).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var slotNames = FeatureSlots.Of(featureVersion).Select(s => s.Name).ToList();
var model = FeedForwardClassifier.Train([.. train.Select(s => s.Features)], [.. train.Select(s => classes.IndexOf(s.Label))], classes.Count, options, seed + 2,
    logInput: TrainerDefaults.LogInput(featureVersion), ignored: ignoredSlots.Select(n => slotNames.IndexOf(n) is >= 0 and var i ? i : throw new ArgumentException($"no slot '{n}' in {featureVersion.Name()}")).ToHashSet());
var temperature = ConfidenceCalibration.FitTemperature([.. calibration.Select(s => model.Logits(s.Features))], [.. calibration.Select(s => classes.IndexOf(s.Label))]);
var groups = TrainingGroups.Fit(model, train);
var unfitted = new CalibratedClassifier(model, classes, temperature, groups, new AbstentionPolicy(double.MaxValue, 0));
var abstentionFit = new AbstentionFit(DistanceQuantile: 0.99, SelectiveAccuracy: 0.95, MaxLowConfidenceShare: 0.10);
var policy = abstentionFit.Fit([.. calibration.Select(s => unfitted.Judge(s.Features)).Select((j, i) => (j.Confidence, j.Distance, j.Top == calibration[i].Label))]);
var classifier = new CalibratedClassifier(model, classes, temperature, groups, policy);
var trainingTime = clock.Elapsed;

var majority = train.GroupBy(s => s.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
var judged = test.Select(s => classifier.Judge(s.Features)).ToList();
var evaluation = new Evaluation(classes, test, [.. judged.Select(j => j.Top)], majority);
var uncalibrated = test.Select(s => classifier.Judge(s.Features, temperatureOverride: 1)).ToList();
var report = new CalibrationReport(
    temperature,
    policy,
    abstentionFit,
    ConfidenceCalibration.ExpectedCalibrationError([.. uncalibrated.Select(j => j.Confidence)], [.. uncalibrated.Select((j, i) => j.Top == test[i].Label)]),
    ConfidenceCalibration.ExpectedCalibrationError([.. judged.Select(j => j.Confidence)], [.. judged.Select((j, i) => j.Top == test[i].Label)]),
    judged);

clock.Restart();
var outside = new List<RealPartsResult>();
foreach (var dir in (arguments.Value("--outside") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
{
    outside.Add(RealPartsResult.Judge(dir, "*", null, partReader, classifier));
}

var known = new List<RealPartsResult>();
if (arguments.Value("--known") is { } knownSpec)
{
    var (label, pattern) = (knownSpec.Split('=', 2)[0], knownSpec.Split('=', 2)[1]);
    known.Add(RealPartsResult.Judge(Path.GetDirectoryName(pattern)!, Path.GetFileName(pattern), label, partReader, classifier));
}

var stabilityRuns = arguments.Int("--stability", 0);
var stability = stabilityRuns > 0 ? StabilityReport.Measure(test, stabilityRuns, seed + 3, partReader, classifier) : null;
var realDataTime = clock.Elapsed;

var modelVersion = arguments.Value("--version") ?? "cadml-parts-6";
var retrain = $"{source} --feature-version {featureVersion.Name()} --ignore-slots '{string.Join(",", ignoredSlots)}' --hidden {(hidden.Length == 0 ? "0" : string.Join(",", hidden))} --epochs {options.Epochs} --version {modelVersion} --out models"
    + string.Concat(RealPartsResult.Options.Where(o => arguments.Value(o) is not null).Select(o => $" {o} '{arguments.Value(o)}'"));
var bytes = OnnxExport.ToOnnx(classifier, classes, modelVersion, featureVersion, new Dictionary<string, string>
{
    ["training_samples"] = train.Count.ToString(CultureInfo.InvariantCulture),
    ["calibration_samples"] = calibration.Count.ToString(CultureInfo.InvariantCulture),
    ["held_out_samples"] = test.Count.ToString(CultureInfo.InvariantCulture),
    ["held_out_accuracy"] = evaluation.Accuracy.ToString("F4", CultureInfo.InvariantCulture),
    ["held_out_ece"] = report.EceAfter.ToString("F4", CultureInfo.InvariantCulture),
    ["majority_baseline"] = evaluation.Baseline.ToString("F4", CultureInfo.InvariantCulture),
    ["formats"] = string.Join(",", evaluation.Formats),
});

// The exported graph, run by ONNX Runtime, must agree with the trainer on the held-out set, abstentions included.
var d = featureVersion.Dimension();
using var session = new InferenceSession(bytes);
using var input = OrtValue.CreateTensorValueFromMemory(test.SelectMany(s => s.Features.Select(v => (float)v)).ToArray(), [test.Count, d]);
using var outputs = session.Run(new RunOptions(), [ModelContract.InputName], [input], [ModelContract.LabelOutput, ModelContract.ProbabilitiesOutput, ModelContract.DistanceOutput]);
var onnxLabels = outputs[0].GetStringTensorAsArray();
var onnxProbabilities = outputs[1].GetTensorDataAsSpan<float>().ToArray();
var onnxDistances = outputs[2].GetTensorDataAsSpan<float>().ToArray();
var onnxAccuracy = test.Where((s, i) => onnxLabels[i] == s.Label).Count() / (double)test.Count;
var onnxFinal = test.Select((s, i) => policy.Decide(onnxProbabilities[(i * classes.Count) + classes.IndexOf(onnxLabels[i])], onnxDistances[i]) is null ? onnxLabels[i] : AbstentionPolicy.UnknownLabel).ToList();
var agreement = onnxFinal.Where((l, i) => l == judged[i].Label).Count() / (double)test.Count;

Directory.CreateDirectory(outDir);
File.WriteAllBytes(Path.Combine(outDir, modelFile), bytes);
var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
var card = ModelCard.Write(new ModelCardFacts(modelFile, modelVersion, featureVersion, model.Describe(options), OnnxExport.Operators(model), dataDescription,
    train, calibration, evaluation, report, outside, known, stability, onnxAccuracy, agreement, sha256, bytes.Length, seed, skipped, retrain, ignoredSlots));
File.WriteAllText(Path.Combine(outDir, "MODEL_CARD.md"), card, Encoding.UTF8);

Console.WriteLine($"classes: {string.Join(", ", classes)}; feature version {featureVersion.Name()}");
Console.WriteLine($"samples: {samples.Count} ({train.Count} train, {calibration.Count} calibration, {test.Count} held out), skipped {skipped}");
Console.WriteLine($"held-out accuracy: {evaluation.Accuracy:P2} (ONNX Runtime: {onnxAccuracy:P2}, final labels agree {agreement:P2}); majority baseline ({majority}): {evaluation.Baseline:P2}");
Console.WriteLine($"temperature {temperature:F3}; ECE (15 bins) {report.EceBefore:F4} before, {report.EceAfter:F4} after; thresholds: distance {policy.MaxDistance:F3}, confidence {policy.MinConfidence:F3}");
Console.WriteLine($"held-out abstained: {report.AbstainedShare:P2} (out of distribution {report.ShareOf(AbstentionReason.OutOfDistribution):P2}, low confidence {report.ShareOf(AbstentionReason.LowConfidence):P2}); answered accuracy {report.AnsweredAccuracy(test):P2}");
foreach (var format in evaluation.Formats)
{
    Console.WriteLine($"  {format}: {evaluation.AccuracyOf(format):P2} of {evaluation.CountOf(format)} (baseline {evaluation.BaselineOf(format):P2})");
}

foreach (var result in outside.Concat(known))
{
    Console.WriteLine($"{result.Source}: {result.Files} files ({result.Unreadable} unreadable): unknown {result.UnknownShare:P2} (ood {result.ShareOf(AbstentionReason.OutOfDistribution):P2}, low confidence {result.ShareOf(AbstentionReason.LowConfidence):P2}){(result.ExpectedLabel is { } e ? $", labelled {e} {result.ShareLabelled(e):P2}" : "")}; labels {result.LabelCounts()}");
}

if (stability is not null)
{
    foreach (var row in stability.Rows)
    {
        Console.WriteLine($"stability {row.Transform} {row.Format}: {row.Unchanged}/{row.Parts} unchanged ({row.Share:P2}), top class unchanged {row.TopUnchanged}/{row.Parts}");
    }
}

Console.WriteLine($"time: {readingTime.TotalSeconds:F1} s writing and reading files, {trainingTime.TotalSeconds:F1} s training and calibrating, {realDataTime.TotalSeconds:F1} s real parts and stability");
Console.WriteLine($"wrote {Path.Combine(outDir, modelFile)} ({bytes.Length} bytes, sha256 {sha256})");
return 0;
