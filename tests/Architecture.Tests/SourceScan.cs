using CadMl.Tests.Shared;

namespace CadMl.Architecture.Tests;

/// <summary>The lines of the repository's C# sources under a folder, for rules a type check cannot see (literals, discards).</summary>
internal static class SourceScan
{
    public static IEnumerable<(string File, int Number, string Text)> CSharpLines(string folder, IReadOnlySet<string> skip)
    {
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Combine(folder), "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(RepositoryPaths.Root, file).Replace('\\', '/');
            if (skip.Contains(relative) || relative.Contains("/obj/", StringComparison.Ordinal) || relative.Contains("/bin/", StringComparison.Ordinal))
            {
                continue;
            }

            var number = 0;
            foreach (var line in File.ReadLines(file))
            {
                yield return (relative, ++number, line);
            }
        }
    }
}
