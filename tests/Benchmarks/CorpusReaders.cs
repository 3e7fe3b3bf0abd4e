using CadMl.Application.Analysis.Ports;
using CadMl.Tests.Shared;

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
        var root = RepositoryPaths.Combine(".corpus");
        return [.. Directory.GetFiles(Path.Combine(root, folder)).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f)))];
    }
}
