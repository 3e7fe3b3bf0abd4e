using CadMl.Infrastructure.Storage;

namespace CadMl.Infrastructure.Tests.Storage;

/// <summary>
/// State files are replaced whole: the write goes to a temp file, is renamed over the target and the
/// folder is fsynced (opened with the platform's O_DIRECTORY through Mono.Unix; a flag the platform
/// does not map, or a folder that cannot be opened, fails the write with an IOException).
/// </summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cadml-atomic").FullName;

    [Fact]
    public void A_write_replaces_the_file_whole_and_leaves_no_temporary_file_beside_it()
    {
        var folder = Path.Combine(_dir, "state");
        var path = Path.Combine(folder, "record.json");

        AtomicFile.Write(path, "{\"version\":1,\"padding\":\"a longer first content\"}"u8);
        AtomicFile.Write(path, "{\"version\":2}"u8);

        File.ReadAllText(path).Should().Be("{\"version\":2}");
        Directory.GetFiles(folder).Should().Equal(path);
    }

    [Fact]
    public void A_quarantined_file_is_kept_aside_under_a_timestamped_name()
    {
        var path = Path.Combine(_dir, "record.json");
        AtomicFile.Write(path, "damaged"u8);

        var aside = AtomicFile.Quarantine(path, new DateTimeOffset(2026, 12, 4, 14, 0, 0, TimeSpan.Zero));

        aside.Should().Be($"{path}.corrupt-20261204T140000Z");
        File.Exists(path).Should().BeFalse();
        File.ReadAllText(aside).Should().Be("damaged");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
