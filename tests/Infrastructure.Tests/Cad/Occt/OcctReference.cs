using System.Diagnostics;
using System.Globalization;
using CadMl.Domain.Cad;
using CadMl.Tests.Shared;

namespace CadMl.Infrastructure.Tests.Cad.Occt;

/// <summary>What OpenCASCADE makes of a STEP or IGES file: its solid count and its tight box in millimetres.</summary>
internal sealed record OcctResult(int Solids, BoundingBox? Box);

/// <summary>
/// Runs <c>occt_bbox.cpp</c>, compiled once per source version against Debian's OpenCASCADE
/// (libocct-data-exchange-dev, installed by build/test-deps). A machine without it fails the
/// test with the reason: an independent check must never pass by not running.
/// </summary>
internal static class OcctReference
{
    private static readonly Lazy<string> Tool = new(Compile);

    public static IReadOnlyDictionary<string, OcctResult> Read(params string[] paths)
    {
        var start = new ProcessStartInfo(Tool.Value) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var path in paths)
        {
            start.ArgumentList.Add(path);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        _ = stderr.Result;
        var results = new Dictionary<string, OcctResult>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var fields = line.Split('\t');
            if (fields.Length < 3 || !paths.Contains(fields[0]))
            {
                continue;
            }

            var solids = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var numbers = fields[2].Split(' ');
            results[fields[0]] = numbers.Length == 6
                ? new OcctResult(solids, new BoundingBox(
                    D(numbers[0]), D(numbers[1]), D(numbers[2]), D(numbers[3]), D(numbers[4]), D(numbers[5])))
                : new OcctResult(solids, null);
        }

        return results;
    }

    private static double D(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static string Compile()
    {
        var source = RepositoryPaths.Combine("tests", "Infrastructure.Tests", "Cad", "Occt", "occt_bbox.cpp");
        const string Headers = "/usr/include/opencascade";
        if (!Directory.Exists(Headers))
        {
            throw new InvalidOperationException(
                "OpenCASCADE headers are missing (/usr/include/opencascade). Run build/test-deps (build/test does it first): it installs libocct-data-exchange-dev.");
        }

        var stamp = File.GetLastWriteTimeUtc(source).Ticks.ToString(CultureInfo.InvariantCulture);
        var folder = RepositoryPaths.Combine("artifacts", "occt");
        Directory.CreateDirectory(folder);
        var tool = Path.Combine(folder, $"occt_bbox-{stamp}");
        if (File.Exists(tool))
        {
            return tool;
        }

        var start = new ProcessStartInfo("g++") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "-O1", "-std=c++17", "-w", "-I" + Headers, source, "-o", tool + ".tmp",
            "-lTKSTEP", "-lTKIGES", "-lTKXSBase", "-lTKTopAlgo", "-lTKBRep", "-lTKG3d", "-lTKMath", "-lTKernel",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = output.Result;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Compiling the OpenCASCADE reference failed: {errors}");
        }

        File.Move(tool + ".tmp", tool, overwrite: true);
        return tool;
    }
}
