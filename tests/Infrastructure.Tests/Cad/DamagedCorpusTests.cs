using CadMl.Application.Analysis.Ports;
using CadMl.Infrastructure.Cad.Iges;
using CadMl.Infrastructure.Cad.Step;
using CadMl.Infrastructure.Cad.Stl;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Infrastructure.Tests.Cad;

/// <summary>Real files with damage: each must still become a document or a CadReadException, quickly.</summary>
public sealed class DamagedCorpusTests
{
    public static TheoryData<string> Formats => new() { "stl", "step", "iges" };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Damaged_corpus_files_are_read_or_rejected_never_crash(string format)
    {
        ICadReader reader = format switch
        {
            "stl" => new StlReader(),
            "step" => new StepReader(),
            _ => new IgesReader(),
        };

        // The three smallest files keep the run short; damage lands anywhere in them.
        var files = CorpusFiles.Of(format).OrderBy(f => new FileInfo(f).Length).Take(3).ToList();
        var random = new Random(31);
        foreach (var path in files)
        {
            var content = File.ReadAllBytes(path);
            var cuts = Enumerable.Range(0, 20).Select(_ => content[..random.Next(content.Length)]);
            var (_, rejected) = await HostileInputs.ReadAllAsync(reader, HostileInputs.Mutations(content, seed: random.Next(), count: 60).Concat(cuts));

            rejected.Should().BeGreaterThan(0, Path.GetFileName(path));
        }
    }
}
