using CadMl.Tests.Shared;

namespace CadMl.Infrastructure.Tests.Corpus;

/// <summary>
/// The real CAD files that <c>build/fetch-corpus</c> extracts from Debian packages into
/// <c>.corpus/</c> at the repository root. A missing corpus fails the test with the reason:
/// tests on real data must never pass by having nothing to read.
/// </summary>
public static class CorpusFiles
{
    public static string Root { get; } = FindRoot();

    /// <summary>Every corpus file of one format folder (dxf, stl, step, iges), sorted for stable output.</summary>
    public static IReadOnlyList<string> Of(string format)
    {
        var folder = Path.Combine(Root, format);
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException(
                $"The CAD corpus folder '{format}' is missing under {Root}. Run build/fetch-corpus (build/test does it first).");
        }

        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new InvalidOperationException($"The CAD corpus folder '{format}' is empty; build/fetch-corpus did not finish.");
        }

        return files;
    }

    private static string FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("CADML_CORPUS_DIR");
        return string.IsNullOrEmpty(env) ? RepositoryPaths.Combine(".corpus") : env;
    }
}
