using System.Text;
using CadMl.Application.Analysis.Ports;
using CadMl.Infrastructure.Cad.Iges;

namespace CadMl.Infrastructure.Tests.Cad.Iges;

public sealed class IgesHostileInputTests
{
    private readonly IgesReader _reader = new();

    [Fact]
    public async Task Random_bytes_are_rejected()
    {
        var (documents, _) = await HostileInputs.ReadAllAsync(_reader, HostileInputs.RandomBytes(seed: 21));

        documents.Should().Be(0);
    }

    [Fact]
    public async Task A_model_cut_anywhere_is_rejected()
    {
        var content = Sample().Build();

        // Only the Terminate line's own sequence number may be lost: its section letter in
        // column 73 is the last thing a complete file needs.
        var complete = Array.LastIndexOf(content, (byte)'\n', content.Length - 2) + 1 + 73;
        foreach (var cut in HostileInputs.Truncations(content, step: 3))
        {
            var outcome = await ReaderOutcome.OfAsync(_reader, cut);
            (outcome.Document is not null).Should().Be(cut.Length >= complete, $"cut at {cut.Length} of {content.Length} bytes");
        }
    }

    [Fact]
    public async Task A_model_with_damaged_bytes_is_read_or_rejected()
    {
        var content = Sample().Build();

        var (documents, rejected) = await HostileInputs.ReadAllAsync(_reader, HostileInputs.Mutations(content, seed: 22, count: 500, alphabet: "0123456789.,;-+DEH SGPT\n"));

        (documents + rejected).Should().Be(500);
        rejected.Should().BeGreaterThan(0);
    }

    [Fact]
    public void An_empty_file_is_rejected()
    {
        Invoking([]).Should().Throw<CadReadException>();
    }

    [Fact]
    public void A_line_whose_section_letter_is_not_in_column_73_is_malformed()
    {
        var lines = Sample().Text().Split('\n');
        var entry = Array.FindIndex(lines, l => l.Length > 72 && l[72] == 'D');
        lines[entry] = " " + lines[entry][..79];

        Invoking(Encoding.ASCII.GetBytes(string.Join('\n', lines))).Should().Throw<CadReadException>().WithMessage("*Malformed IGES*")
            .Which.Context.Should().Contain("line", entry + 1);
    }

    [Fact]
    public void A_line_longer_than_80_columns_is_malformed()
    {
        var lines = Sample().Text().Split('\n');
        lines[2] += "X";

        Invoking(Encoding.ASCII.GetBytes(string.Join('\n', lines))).Should().Throw<CadReadException>().WithMessage("*Malformed IGES*");
    }

    [Fact]
    public void Sections_out_of_order_are_malformed()
    {
        var lines = Sample().Text().Split('\n').ToList();
        (lines[0], lines[1]) = (lines[1], lines[0]);

        Invoking(Encoding.ASCII.GetBytes(string.Join('\n', lines))).Should().Throw<CadReadException>().WithMessage("*appears after*");
    }

    [Fact]
    public void A_directory_entry_with_a_missing_line_is_malformed()
    {
        var lines = Sample().Text().Split('\n').ToList();
        lines.RemoveAt(lines.FindIndex(l => l.Length > 72 && l[72] == 'D'));

        Invoking(Encoding.ASCII.GetBytes(string.Join('\n', lines))).Should().Throw<CadReadException>();
    }

    [Fact]
    public void Parameter_data_lost_at_the_end_is_detected_by_the_terminate_counts()
    {
        var lines = Sample().Text().Split('\n').ToList();
        lines.RemoveAt(lines.FindLastIndex(l => l.Length > 72 && l[72] == 'P'));

        Invoking(Encoding.ASCII.GetBytes(string.Join('\n', lines))).Should().Throw<CadReadException>();
    }

    [Fact]
    public void A_directory_entry_pointing_outside_the_parameter_section_is_rejected()
    {
        var lines = Sample().Text().Split('\n');
        var entry = Array.FindIndex(lines, l => l.Length > 72 && l[72] == 'D');
        lines[entry] = lines[entry][..8] + "    9999" + lines[entry][16..];

        Invoking(Encoding.ASCII.GetBytes(string.Join('\n', lines))).Should().Throw<CadReadException>().WithMessage("*outside the Parameter Data*");
    }

    [Fact]
    public void A_transformation_matrix_that_refers_to_itself_is_rejected()
    {
        var iges = new IgesBuilder();
        iges.Add(124, "1.,0.,0.,0.,0.,1.,0.,0.,0.,0.,1.,0.", transform: 1);
        iges.Add(116, "1.,2.,3.,0", transform: 1);

        Invoking(iges.Build()).Should().Throw<CadReadException>().WithMessage("*cycle*");
    }

    [Fact]
    public async Task Entities_that_contain_each_other_are_rejected_quickly()
    {
        var iges = new IgesBuilder();
        iges.Add(102, "1,3");
        iges.Add(102, "1,1");

        var outcome = await ReaderOutcome.OfAsync(_reader, iges.Build());

        outcome.Document.Should().NotBeNull("a visited entity is not walked twice");
    }

    [Fact]
    public async Task Subfigures_instancing_each_other_are_bounded()
    {
        var iges = new IgesBuilder();
        iges.Add(308, "0,1Ha,1,3");
        iges.Add(408, "1,1.,0.,0.,1.");

        var outcome = await ReaderOutcome.OfAsync(_reader, iges.Build());

        outcome.Failure!.Message.Should().Contain("nested more than");
    }

    [Fact]
    public async Task Thousands_of_instances_of_a_big_subfigure_are_placed_by_its_box()
    {
        var iges = new IgesBuilder();
        var points = iges.Add(106, "1,10000,0.," + string.Join(',', Enumerable.Range(0, 10_000).Select(i => $"{i}.,1.")), status: "00010000", form: 11);
        var definition = iges.Add(308, $"0,1Ha,1,{points}", status: "00000200");
        for (var i = 0; i < 3100; i++)
        {
            iges.Add(408, $"{definition},{i}.,0.,0.,1.");
        }

        var outcome = await ReaderOutcome.OfAsync(_reader, iges.Build());

        outcome.Document!.Bounds.Should().Be(new CadMl.Domain.Cad.BoundingBox(0, 1, 0, 9999 + 3099, 1, 0), "the definition's box placed 3,100 times");
    }

    [Fact]
    public async Task A_spline_claiming_a_billion_control_points_is_rejected_quickly()
    {
        var iges = new IgesBuilder();
        iges.Add(126, "1000000000,1,0,0,1,0,0.,0.,1.,1.");

        var outcome = await ReaderOutcome.OfAsync(_reader, iges.Build());

        outcome.Failure!.Message.Should().Contain("more control points");
    }

    [Fact]
    public async Task A_pointer_to_a_directory_entry_that_does_not_exist_is_rejected()
    {
        var iges = new IgesBuilder();
        iges.Add(144, "999,1,0,0");

        var outcome = await ReaderOutcome.OfAsync(_reader, iges.Build());

        outcome.Failure!.Context.Should().Contain("directory_entry", 1);
    }

    [Theory]
    [InlineData('B', "Binary IGES")]
    [InlineData('C', "Compressed")]
    public void Binary_and_compressed_iges_are_reported_as_unsupported(char flag, string message)
    {
        var text = Sample().Text();
        text = text[..72] + flag + text[73..];

        Invoking(Encoding.ASCII.GetBytes(text)).Should().Throw<CadReadException>().WithMessage($"*{message}*");
    }

    private static IgesBuilder Sample()
    {
        var iges = new IgesBuilder { UnitsFlag = 1, UnitsName = "4HINCH" };
        var turn = iges.Add(124, "0.,-1.,0.,10.,1.,0.,0.,20.,0.,0.,1.,30.");
        iges.Add(116, "1.,0.,0.,0", transform: turn);
        iges.Add(110, "0.,0.,0.,1.,2.,3.", level: 4);
        iges.Add(100, "5.,0.,0.,1.,0.,-1.,0.");
        iges.Add(126, "2,2,0,0,1,0,0.,0.,0.,1.,1.,1.,1.,1.,1.,0.,0.,0.,5.,9.,0.,10.,0.,-1.,0.,1.,0.,0.,1.");
        return iges;
    }

    private Action Invoking(byte[] content) => () => _reader.Read(content, CancellationToken.None);
}
