using CadMl.Application.Analysis.Ports;

namespace CadMl.Benchmarks;

/// <summary>The real CAD corpus (build/fetch-corpus) in memory, and the project's readers by format folder.</summary>
internal static class CorpusReaders
{
    public static readonly IReadOnlyDictionary<string, ICadReader> ByFolder = typeof(CadMl.Infrastructure.DependencyInjection).Assembly
        .GetTypes()
        .Where(t => t is { IsAbstract: false, IsPublic: true } && typeof(ICadReader).IsAssignableFrom(t))
        .Select(t => (ICadReader)Activator.CreateInstance(t)!)
        .ToDictionary(r => r.Format.ToString().ToLowerInvariant());

    public static IReadOnlyList<(string Name, byte[] Content)> Load(string folder)
    {
        var root = FindCorpus();
        return [.. Directory.GetFiles(Path.Combine(root, folder)).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f)))];
    }

    private static string FindCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var corpus = Path.Combine(dir.FullName, ".corpus");
            if (Directory.Exists(corpus))
            {
                return corpus;
            }
        }

        throw new InvalidOperationException("No .corpus folder above the benchmark binaries; run build/fetch-corpus.");
    }
}
