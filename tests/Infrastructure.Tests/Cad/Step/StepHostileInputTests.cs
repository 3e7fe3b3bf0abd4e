using System.Text;
using CadMl.Application.Analysis.Ports;
using CadMl.Infrastructure.Cad.Step;

namespace CadMl.Infrastructure.Tests.Cad.Step;

public sealed class StepHostileInputTests
{
    private readonly StepReader _reader = new();

    [Fact]
    public async Task Random_bytes_are_rejected()
    {
        var (documents, _) = await HostileInputs.ReadAllAsync(
            _reader,
            HostileInputs.RandomBytes(seed: 11).Concat(HostileInputs.RandomBytes(seed: 12, prefix: "ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n#1=")));

        documents.Should().Be(0);
    }

    [Fact]
    public async Task A_model_cut_anywhere_is_rejected()
    {
        var content = StepSamples.Millimetres(StepSamples.PlateWithBoss);

        var (documents, _) = await HostileInputs.ReadAllAsync(_reader, HostileInputs.Truncations(content, step: 3));

        documents.Should().Be(0, "every proper prefix lacks END-ISO-10303-21 or ends inside an instance");
    }

    [Fact]
    public async Task A_model_with_damaged_bytes_is_read_or_rejected()
    {
        var content = StepSamples.Millimetres(StepSamples.PlateWithBoss);

        var (documents, rejected) = await HostileInputs.ReadAllAsync(_reader, HostileInputs.Mutations(content, seed: 13, count: 500));

        (documents + rejected).Should().Be(500);
        rejected.Should().BeGreaterThan(0);
    }

    [Fact]
    public void An_empty_file_is_rejected()
    {
        Invoking([]).Should().Throw<CadReadException>();
    }

    [Fact]
    public void A_dangling_reference_is_rejected_with_the_missing_id()
    {
        var data = StepSamples.PlateWithBoss.Replace("#60 = CYLINDRICAL_SURFACE('',#144,2.);", "#60 = CYLINDRICAL_SURFACE('',#99999,2.);", StringComparison.Ordinal);

        var failure = Invoking(StepSamples.Millimetres(data)).Should().Throw<CadReadException>().Which;

        failure.Code.Should().Be("PARSE_FAILED");
        failure.Context.Should().Contain("reference", "#99999").And.Contain("instance", "#60");
    }

    [Fact]
    public async Task Topology_that_refers_back_to_itself_terminates()
    {
        var data = StepSamples.PlateWithBoss
            .Replace("#11 = CLOSED_SHELL('',(#20,#40));", "#11 = CLOSED_SHELL('',(#20,#40,#12));\n#12 = ORIENTED_CLOSED_SHELL('',*,#11,.T.);", StringComparison.Ordinal)
            .Replace("#22 = EDGE_LOOP('',(#23,#24,#25,#26));", "#22 = EDGE_LOOP('',(#23,#24,#25,#26,#22));", StringComparison.Ordinal);

        var outcome = await ReaderOutcome.OfAsync(_reader, StepSamples.Millimetres(data));

        outcome.Document!.Bounds.Width.Should().Be(22);
    }

    [Fact]
    public async Task Geometry_that_refers_back_to_itself_terminates()
    {
        var data = """
            #10 = MANIFOLD_SOLID_BREP('',#11);
            #11 = CLOSED_SHELL('',(#20));
            #20 = ADVANCED_FACE('',(#21),#30,.T.);
            #21 = FACE_BOUND('',#22,.T.);
            #22 = EDGE_LOOP('',(#23));
            #23 = ORIENTED_EDGE('',*,*,#40,.T.);
            #30 = RECTANGULAR_TRIMMED_SURFACE('',#31,0.,1.,0.,1.,.T.,.T.);
            #31 = RECTANGULAR_TRIMMED_SURFACE('',#30,0.,1.,0.,1.,.T.,.T.);
            #40 = EDGE_CURVE('',#41,#41,#50,.T.);
            #41 = VERTEX_POINT('',#42);
            #42 = CARTESIAN_POINT('',(1.,2.,3.));
            #50 = SURFACE_CURVE('',#51,(),.CURVE_3D.);
            #51 = TRIMMED_CURVE('',#50,(#42),(#42),.T.,.CARTESIAN.);
            """;

        var outcome = await ReaderOutcome.OfAsync(_reader, StepSamples.Millimetres(data));

        outcome.Document!.Brep!.SurfaceTypes.Should().ContainSingle().Which.Name.Should().Be("other");
        outcome.Document.Bounds.MaxZ.Should().Be(3);
    }

    [Fact]
    public async Task A_unit_whose_conversion_refers_to_itself_terminates()
    {
        var unit = """
            #1 = ( CONVERSION_BASED_UNIT('FOOT',#4) LENGTH_UNIT() NAMED_UNIT(*) );
            #4 = LENGTH_MEASURE_WITH_UNIT(LENGTH_MEASURE(12.),#1);
            """;

        var outcome = await ReaderOutcome.OfAsync(_reader, StepSamples.Bytes($"{unit}\n{StepSamples.Context}\n{StepSamples.PlateWithBoss}"));

        outcome.Document!.Bounds.MaxX.Should().Be(22 * 304.8, "the name decides when the factor cannot be followed");
    }

    [Fact]
    public async Task An_assembly_that_contains_itself_is_rejected()
    {
        var assembly = """
            #300 = SHAPE_REPRESENTATION('a',(#301),#2);
            #301 = AXIS2_PLACEMENT_3D('',#310,#33,#34);
            #310 = CARTESIAN_POINT('',(0.,0.,0.));
            #320 = ( REPRESENTATION_RELATIONSHIP('','',#3,#300) REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(#321) SHAPE_REPRESENTATION_RELATIONSHIP() );
            #321 = ITEM_DEFINED_TRANSFORMATION('','',#301,#301);
            #322 = ( REPRESENTATION_RELATIONSHIP('','',#300,#3) REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(#321) SHAPE_REPRESENTATION_RELATIONSHIP() );
            """;

        var outcome = await ReaderOutcome.OfAsync(_reader, StepSamples.Millimetres(StepSamples.PlateWithBoss + assembly));

        outcome.Failure!.Message.Should().Contain("contains itself");
    }

    [Fact]
    public async Task A_deep_chain_of_assemblies_is_bounded()
    {
        // 400 nested levels, each placed twice in the next: 2^400 instances if nothing stopped it.
        var data = new StringBuilder(StepSamples.PlateWithBoss).Append('\n');
        data.Append("#900 = AXIS2_PLACEMENT_3D('',#901,#33,#34);\n#901 = CARTESIAN_POINT('',(1.,0.,0.));\n");
        for (var level = 0; level < 400; level++)
        {
            var child = level == 0 ? 3 : 1000 + level - 1;
            var parent = 1000 + level;
            data.Append(System.Globalization.CultureInfo.InvariantCulture, $"#{parent} = SHAPE_REPRESENTATION('',(#900),#2);\n");
            data.Append(System.Globalization.CultureInfo.InvariantCulture, $"#{5000 + (2 * level)} = ( REPRESENTATION_RELATIONSHIP('','',#{child},#{parent}) REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(#9999) SHAPE_REPRESENTATION_RELATIONSHIP() );\n");
            data.Append(System.Globalization.CultureInfo.InvariantCulture, $"#{5001 + (2 * level)} = ( REPRESENTATION_RELATIONSHIP('','',#{child},#{parent}) REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(#9998) SHAPE_REPRESENTATION_RELATIONSHIP() );\n");
        }

        data.Append("#9999 = ITEM_DEFINED_TRANSFORMATION('','',#900,#900);\n#9998 = ITEM_DEFINED_TRANSFORMATION('','',#900,#31);\n");

        var outcome = await ReaderOutcome.OfAsync(_reader, StepSamples.Millimetres(data.ToString()));

        outcome.Failure!.Message.Should().Contain("nested more than");
    }

    [Fact]
    public async Task A_big_body_placed_thousands_of_times_is_bounded_by_its_placed_box()
    {
        // 4,000 points × 6,000 placements would be 24 million transforms; the reader switches to
        // the body's box corners, which are exact for these translations.
        var data = new StringBuilder(StepSamples.Millimetre).Append('\n').Append(StepSamples.Context).Append('\n');
        data.Append("#3 = ADVANCED_BREP_SHAPE_REPRESENTATION('',(#10),#2);\n#10 = FACETED_BREP('',#11);\n#11 = CLOSED_SHELL('',(#12));\n");
        data.Append("#12 = FACE('',(#13));\n#13 = FACE_OUTER_BOUND('',#14,.T.);\n#14 = POLY_LOOP('',(");
        data.AppendJoin(',', Enumerable.Range(0, 4000).Select(i => $"#{100_000 + i}")).Append("));\n");
        for (var i = 0; i < 4000; i++)
        {
            data.Append(System.Globalization.CultureInfo.InvariantCulture, $"#{100_000 + i} = CARTESIAN_POINT('',({i % 10}.,{i % 7}.,{i % 3}.));\n");
        }

        data.Append("#20 = SHAPE_REPRESENTATION('',(#21),#2);\n#21 = AXIS2_PLACEMENT_3D('',#22,$,$);\n#22 = CARTESIAN_POINT('',(0.,0.,0.));\n");
        for (var i = 0; i < 6000; i++)
        {
            var id = 200_000 + (4 * i);
            data.Append(System.Globalization.CultureInfo.InvariantCulture, $"#{id} = ( REPRESENTATION_RELATIONSHIP('','',#3,#20) REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(#{id + 1}) SHAPE_REPRESENTATION_RELATIONSHIP() );\n");
            data.Append(System.Globalization.CultureInfo.InvariantCulture, $"#{id + 1} = ITEM_DEFINED_TRANSFORMATION('','',#21,#{id + 2});\n#{id + 2} = AXIS2_PLACEMENT_3D('',#{id + 3},$,$);\n");
            data.Append(System.Globalization.CultureInfo.InvariantCulture, $"#{id + 3} = CARTESIAN_POINT('',({10 * i}.,0.,0.));\n");
        }

        var outcome = await ReaderOutcome.OfAsync(_reader, StepSamples.Bytes(data.ToString()));

        outcome.Document!.Bounds.Should().Be(new CadMl.Domain.Cad.BoundingBox(0, 0, 0, 59_999, 6, 2));
        outcome.Document.Metadata.Facts!["body_instances"].Should().Be("6000");
        outcome.Document.Metadata.Facts["bounds_note"].Should().Contain("box");
    }

    [Theory]
    [InlineData("1.E999")]
    [InlineData("-1.E400")]
    public void A_non_finite_coordinate_is_invalid_geometry(string value)
    {
        var data = StepSamples.PlateWithBoss.Replace("#101 = CARTESIAN_POINT('',(10.,0.,0.));", $"#101 = CARTESIAN_POINT('',({value},0.,0.));", StringComparison.Ordinal);

        var failure = Invoking(StepSamples.Millimetres(data)).Should().Throw<CadReadException>().Which;

        failure.Code.Should().Be("INVALID_GEOMETRY");
        failure.Context.Should().Contain("instance", "#101");
    }

    [Fact]
    public void An_instance_defined_twice_is_rejected()
    {
        Invoking(StepSamples.Millimetres(StepSamples.PlateWithBoss + "\n#10 = MANIFOLD_SOLID_BREP('again',#11);"))
            .Should().Throw<CadReadException>().Which.Context.Should().Contain("instance", "#10");
    }

    [Theory]
    [InlineData("ISO-10303-21;\nHEADER;\nENDSEC;\nEND-ISO-10303-21;\n", "no DATA section")]
    [InlineData("ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n#1 = CARTESIAN_POINT('',(0.,0.,0.));\nENDSEC;\n", "truncated")]
    [InlineData("ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n#1 = CARTESIAN_POINT('',(0.,0.,0.);\nENDSEC;\nEND-ISO-10303-21;\n", "unbalanced")]
    [InlineData("ISO-10303-21;\nDATA;\n#1 = 'oops';\nENDSEC;\nEND-ISO-10303-21;\n", "type name")]
    [InlineData("solid x\nendsolid x\n", "ISO-10303-21")]
    public void Structurally_broken_files_are_rejected_with_a_reason(string text, string reason)
    {
        Invoking(Encoding.ASCII.GetBytes(text)).Should().Throw<CadReadException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public async Task Deeply_nested_parentheses_are_rejected_quickly()
    {
        var text = "ISO-10303-21;\nDATA;\n#1 = X(" + new string('(', 200_000) + new string(')', 199_999) + ";\nENDSEC;\nEND-ISO-10303-21;\n";

        var outcome = await ReaderOutcome.OfAsync(_reader, Encoding.ASCII.GetBytes(text));

        outcome.Failure.Should().NotBeNull();
    }

    [Fact]
    public async Task Huge_and_sparse_instance_ids_cost_nothing()
    {
        var data = "#999999999999 = CARTESIAN_POINT('',(1.,1.,1.));\n#7 = CARTESIAN_POINT('',(0.,0.,0.));\n#55555555 = VERTEX_POINT('',#999999999999);";

        var outcome = await ReaderOutcome.OfAsync(_reader, StepSamples.Millimetres(data));

        outcome.Document!.Bounds.MaxX.Should().Be(1);
    }

    private Action Invoking(byte[] content) => () => _reader.Read(content, CancellationToken.None);
}
