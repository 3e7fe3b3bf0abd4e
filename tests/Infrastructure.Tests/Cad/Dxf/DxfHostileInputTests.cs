using System.Diagnostics;
using System.Text;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Dxf;
using CadMl.Infrastructure.Tests.Corpus;
using static CadMl.Infrastructure.Tests.Cad.Dxf.TestDxf;

namespace CadMl.Infrastructure.Tests.Cad.Dxf;

/// <summary>
/// Input built to hurt: every case must end in a document or a <see cref="CadReadException"/>; any
/// other exception fails the test. What bounds the work is the readers' budgets, checked through
/// the facts they report; the deadline is only a hang guard, generous enough for a machine under
/// heavy load (a 2 s deadline failed here at load average 40 while the parse was correct).
/// </summary>
public sealed class DxfHostileInputTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public void Empty_buffer_is_rejected_as_not_dxf()
    {
        var rejection = ReadBounded([]).Rejection;

        rejection.Should().NotBeNull();
        rejection!.Code.Should().Be("PARSE_FAILED");
    }

    [Fact]
    public void Random_bytes_are_rejected_as_not_dxf()
    {
        var random = new Random(20240601);
        foreach (var size in new[] { 1, 2, 10, 100, 4096, 65536 })
        {
            var bytes = new byte[size];
            random.NextBytes(bytes);

            var outcome = ReadBounded(bytes);

            outcome.Rejection.Should().NotBeNull($"{size} random bytes are not a DXF");
            outcome.Rejection!.Code.Should().Be("PARSE_FAILED");
        }
    }

    [Fact]
    public void Random_bytes_behind_the_binary_sentinel_end_in_a_document_or_a_rejection()
    {
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var body = new byte[random.Next(0, 4000)];
            random.NextBytes(body);
            var bytes = DxfTagReaderSentinel().Concat(body).ToArray();

            ReadBounded(bytes);
        }
    }

    [Fact]
    public void Text_that_is_not_dxf_is_rejected_with_the_line_that_gave_it_away()
    {
        var rejection = ReadBounded(Encoding.UTF8.GetBytes("  0\nSECTION\n  2\nENTITIES\nhello world\nLINE\n")).Rejection;

        rejection.Should().NotBeNull();
        rejection!.Code.Should().Be("PARSE_FAILED");
        rejection.Context.Should().ContainKey("line").WhoseValue.Should().Be(5);
    }

    [Fact]
    public void Truncated_real_files_end_in_a_document_or_a_rejection()
    {
        var files = CorpusFiles.Of("dxf");
        var samples = new[]
        {
            files.First(f => f.EndsWith("sheets__A0H.dxf", StringComparison.Ordinal)),
            files.First(f => File.ReadAllText(f).Contains("\nHATCH", StringComparison.Ordinal)),
            files.First(f => File.ReadAllText(f).Contains("\nINSERT", StringComparison.Ordinal)),
        };
        var rejected = 0;
        foreach (var path in samples)
        {
            var bytes = File.ReadAllBytes(path);
            for (var cut = 1; cut < 40; cut++)
            {
                var length = (int)((long)bytes.Length * cut / 40);
                if (ReadBounded(bytes.AsSpan(0, length).ToArray()).Rejection is not null)
                {
                    rejected++;
                }
            }

            var binary = ToBinary(Encoding.Latin1.GetString(bytes).Replace("\r\n", "\n", StringComparison.Ordinal), twoByteCodes: true);
            for (var cut = 1; cut < 40; cut++)
            {
                ReadBounded(binary.AsSpan(0, (int)((long)binary.Length * cut / 40)).ToArray());
            }
        }

        rejected.Should().BeGreaterThan(0, "a file cut inside a section is truncated, not a smaller drawing");
    }

    [Fact]
    public void Randomly_damaged_real_files_end_in_a_document_or_a_rejection()
    {
        var files = CorpusFiles.Of("dxf");
        var random = new Random(42);
        for (var i = 0; i < 300; i++)
        {
            var bytes = File.ReadAllBytes(files[random.Next(files.Count)]);
            var damage = random.Next(1, 20);
            for (var d = 0; d < damage; d++)
            {
                var at = random.Next(bytes.Length);
                bytes[at] = random.Next(4) switch
                {
                    0 => (byte)random.Next(256),
                    1 => (byte)'\n',
                    2 => (byte)(bytes[at] ^ 0x10),
                    _ => (byte)'-',
                };
            }

            ReadBounded(bytes);
        }
    }

    [Fact]
    public void Ten_bytes_claiming_a_million_entities_are_rejected_without_allocating_for_the_claim()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();

        var rejection = ReadBounded(Encoding.ASCII.GetBytes("90\n1000000")).Rejection;

        rejection.Should().NotBeNull();
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(100_000);
    }

    [Fact]
    public void Counts_claimed_inside_entities_allocate_nothing_until_the_data_is_there()
    {
        var dxf = Document(
            Tags(0, "LWPOLYLINE", 8, "0", 90, 1000000, 70, 0)
            + Tags(0, "HATCH", 8, "0", 10, 0, 20, 0, 30, 0, 2, "SOLID", 70, 1, 71, 0, 91, 1000000, 92, 1, 93, 1000000, 72, 4, 94, 3, 95, 1000000, 96, 1000000, 97, 0, 75, 0, 76, 1, 98, 0)
            + Tags(0, "SPLINE", 8, "0", 70, 8, 71, 3, 72, 1000000, 73, 1000000, 74, 1000000)
            + Tags(0, "INSERT", 8, "0", 2, "B", 10, 0, 20, 0, 30, 0, 70, 32767, 71, 32767, 44, 1, 45, 1),
            Block("B", Circle(0, 0, 1)));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var document = ReadBounded(Encoding.ASCII.GetBytes(dxf)).Document;

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1_000_000);
        document.Should().NotBeNull();
        document!.EntityCount.Should().Be(4);
        document.Bounds.Should().Be(new BoundingBox(-1, -1, 0, 32767, 32767, 0), "a 32767×32767 MINSERT grid is measured, not enumerated");
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("NaN")]
    [InlineData("inf")]
    [InlineData("-Infinity")]
    [InlineData("1e309")]
    public void Non_finite_coordinates_are_invalid_geometry(string value)
    {
        var dxf = Document(Line(0, 0, 1, 1) + Tags(0, "POINT", 8, "0", 10, value, 20, 0, 30, 0));

        var rejection = ReadBounded(Encoding.ASCII.GetBytes(dxf)).Rejection;

        rejection.Should().NotBeNull();
        rejection!.Code.Should().Be("INVALID_GEOMETRY");
    }

    [Fact]
    public void Extents_that_overflow_a_double_are_invalid_geometry()
    {
        var direct = Document(Line(-1e308, 0, 1e308, 0));
        var scaled = Document(Insert("BIG", 0, 0, sx: 1e10, sy: 1e10), Block("BIG", Line(0, 0, 1e300, 1e300)));

        foreach (var dxf in new[] { direct, scaled })
        {
            var rejection = ReadBounded(Encoding.ASCII.GetBytes(dxf)).Rejection;

            rejection.Should().NotBeNull();
            rejection!.Code.Should().Be("INVALID_GEOMETRY");
        }
    }

    [Fact]
    public void Huge_but_finite_coordinates_are_measured()
    {
        var document = ReadBounded(Encoding.ASCII.GetBytes(Document(Line(1e307, 0, 1e308, 0)))).Document;

        document!.Bounds.Width.Should().BeApproximately(9e307, 1e293);
    }

    [Fact]
    public void Non_finite_coordinates_outside_model_space_do_not_matter()
    {
        var dxf = Document(
            Line(0, 0, 1, 1) + Tags(0, "POINT", 8, "0", 67, 1, 10, "nan", 20, 0, 30, 0),
            Block("UNUSED", Tags(0, "POINT", 8, "0", 10, "nan", 20, 0, 30, 0)));

        ReadBounded(Encoding.ASCII.GetBytes(dxf)).Document!.Bounds.Should().Be(new BoundingBox(0, 0, 0, 1, 1, 0));
    }

    [Fact]
    public void Self_referencing_insert_is_refused_without_recursing()
    {
        var dxf = Document(Insert("SELF", 0, 0), Block("SELF", Line(0, 0, 1, 1) + Insert("SELF", 5, 5, rotation: 10)));

        var rejection = ReadBounded(Encoding.ASCII.GetBytes(dxf)).Rejection;

        rejection.Should().NotBeNull();
        rejection!.Code.Should().Be("INVALID_BLOCK_REFERENCE");
        rejection.Context["block"].Should().Be("SELF");
    }

    [Fact]
    public void A_self_referencing_block_nobody_uses_does_not_matter()
    {
        var dxf = Document(Line(0, 0, 1, 1), Block("SELF", Insert("SELF", 5, 5)));

        ReadBounded(Encoding.ASCII.GetBytes(dxf)).Document!.Bounds.Should().Be(new BoundingBox(0, 0, 0, 1, 1, 0));
    }

    [Fact]
    public void Mutually_recursive_blocks_are_refused_without_recursing()
    {
        var blocks = Block("A", Line(0, 0, 1, 0) + Insert("B", 1, 0, rotation: 30))
            + Block("B", Line(0, 0, 0, 1) + Insert("A", 0, 1, rotation: 60));
        var dxf = Document(Insert("A", 0, 0) + Insert("B", 10, 10, rotation: 45), blocks);

        ReadBounded(Encoding.ASCII.GetBytes(dxf)).Rejection!.Code.Should().Be("INVALID_BLOCK_REFERENCE");
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused()
    {
        const int levels = 200;
        var blocks = new StringBuilder();
        for (var i = 0; i < levels; i++)
        {
            var inner = i == levels - 1 ? Line(0, 0, 1, 1) : Insert($"L{i + 1}", 1, 0, rotation: 1);
            blocks.Append(Block($"L{i}", inner));
        }

        var rejection = ReadBounded(Encoding.ASCII.GetBytes(Document(Insert("L0", 0, 0), blocks.ToString()))).Rejection;

        rejection!.Code.Should().Be("BLOCK_NESTING_TOO_DEEP");
        rejection.Context["max_depth"].Should().Be(BlockExpander.MaxDepth);
    }

    [Fact]
    public void Exponential_block_fan_out_is_cut_by_the_expansion_budget()
    {
        // Ten rotated references per level, twelve levels: 10¹² copies if expanded naively.
        const int levels = 12;
        var blocks = new StringBuilder();
        for (var i = 0; i < levels; i++)
        {
            var body = new StringBuilder(Line(0, 0, 1, 1) + Circle(0, 0, 1));
            if (i < levels - 1)
            {
                for (var k = 0; k < 10; k++)
                {
                    body.Append(Insert($"F{i + 1}", k, k, rotation: 7 * (k + 1), sx: 0.5, sy: 0.5));
                }
            }

            blocks.Append(Block($"F{i}", body.ToString()));
        }

        var outcome = ReadBounded(Encoding.ASCII.GetBytes(Document(Insert("F0", 0, 0, rotation: 13), blocks.ToString())));

        outcome.Document.Should().NotBeNull();
        outcome.Document!.Bounds.IsFinite.Should().BeTrue();
        outcome.Document.Metadata.Facts!.Should().ContainKey("block_expansion", "the budget, not the clock, ended the expansion");
    }

    [Fact]
    public void Two_megabytes_of_one_repeated_group_code_end_quickly()
    {
        var outside = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("  0\nLINE\n", 2 * 1024 * 1024 / 9)));
        var comments = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("999\nx\n", 2 * 1024 * 1024 / 6)));
        var inside = Encoding.ASCII.GetBytes(
            Tags(0, "SECTION", 2, "ENTITIES", 0, "POINT", 8, "0")
            + string.Concat(Enumerable.Repeat(" 10\n1.5\n", 2 * 1024 * 1024 / 8))
            + Tags(0, "ENDSEC", 0, "EOF"));

        ReadBounded(outside).Rejection.Should().NotBeNull("entities outside any section are not a DXF");
        ReadBounded(comments).Rejection.Should().NotBeNull("comments alone are not a DXF");
        ReadBounded(inside).Document!.Bounds.Should().Be(new BoundingBox(1.5, 0, 0, 1.5, 0, 0));
    }

    private static byte[] DxfTagReaderSentinel() => "AutoCAD Binary DXF\r\n\u001a\0"u8.ToArray();

    private static Outcome ReadBounded(byte[] bytes)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            return new Outcome(new DxfReader().Read(bytes, deadline.Token), null);
        }
        catch (CadReadException rejection)
        {
            return new Outcome(null, rejection);
        }
        finally
        {
            stopwatch.Elapsed.Should().BeLessThan(HangLimit);
        }
    }

    private sealed record Outcome(CadDocument? Document, CadReadException? Rejection);
}
