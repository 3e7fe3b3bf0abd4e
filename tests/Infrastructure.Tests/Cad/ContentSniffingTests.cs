using CadMl.Domain.Cad;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Infrastructure.Tests.Cad;

/// <summary>
/// The format signatures against every real file of the corpus: each file must be recognised as
/// the format of its folder, or (never for STEP, IGES and binary DXF) have no signature at all.
/// A wrong opinion here would refuse a good upload as a format mismatch.
/// </summary>
public sealed class ContentSniffingTests
{
    [Theory]
    [InlineData("dxf", CadFormat.Dxf)]
    [InlineData("stl", CadFormat.Stl)]
    [InlineData("step", CadFormat.Step)]
    [InlineData("iges", CadFormat.Iges)]
    public void Every_corpus_file_is_recognised_as_its_own_format(string folder, CadFormat format)
    {
        var wrong = new List<string>();
        var recognised = 0;
        foreach (var path in CorpusFiles.Of(folder))
        {
            var detected = CadContentSniffer.Detect(File.ReadAllBytes(path));
            if (detected == format)
            {
                recognised++;
            }
            else
            {
                wrong.Add($"{Path.GetFileName(path)}: {detected?.ToString() ?? "no signature"}");
            }
        }

        wrong.Should().BeEmpty($"every {folder} file of the corpus carries the {folder} signature ({recognised} did)");
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("hello world", null)]
    [InlineData("\uFEFF  ISO-10303-21;\nHEADER;", CadFormat.Step)]
    [InlineData("  0\r\nSECTION\r\n  2\r\nHEADER\r\n", CadFormat.Dxf)]
    [InlineData("999\ndxfrw 0.6.3\n  0\nSECTION\n", CadFormat.Dxf)]
    [InlineData("0\nLINE\n", null)]
    [InlineData("AutoCAD Binary DXF\r\n\u001a\0\0\0SECTION\0", CadFormat.Dxf)]
    [InlineData("solid cube\nfacet normal 0 0 1\n", CadFormat.Stl)]
    [InlineData("SOLID\n", CadFormat.Stl)]
    [InlineData("solidworks part\n", null)]
    public void Text_signatures_decide_only_when_they_are_unambiguous(string text, CadFormat? expected) =>
        CadContentSniffer.Detect(System.Text.Encoding.UTF8.GetBytes(text)).Should().Be(expected);

    [Fact]
    public void An_iges_start_line_that_begins_with_solid_is_iges()
    {
        var line = "solid model from a mesher".PadRight(72) + "S      1\n";

        CadContentSniffer.Detect(System.Text.Encoding.ASCII.GetBytes(line + "".PadRight(72) + "G      1\n")).Should().Be(CadFormat.Iges);
    }

    [Fact]
    public void A_binary_stl_whose_header_says_solid_is_stl_by_its_size()
    {
        var bytes = new byte[84 + 50];
        "solid binary"u8.CopyTo(bytes);
        bytes[80] = 1;

        CadContentSniffer.Detect(bytes).Should().Be(CadFormat.Stl);
    }
}
