namespace CadMl.Tests.Shared;

/// <summary>The repository root (the folder holding CadMl.slnx), found above the test binaries.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = Find();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CadMl.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (CadMl.slnx) above the test binaries.");
    }
}
