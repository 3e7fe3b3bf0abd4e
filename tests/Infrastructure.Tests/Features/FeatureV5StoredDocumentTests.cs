using CadMl.Domain.Features;
using CadMl.Infrastructure.Cad.Dxf;
using CadMl.Infrastructure.Storage;
using CadMl.Infrastructure.Tests.Cad;
using CadMl.Infrastructure.Tests.Corpus;

namespace CadMl.Infrastructure.Tests.Features;

/// <summary>
/// Migration to v5 recomputes the vector from the stored document, so the stored digest must carry
/// everything v5 reads: a real drawing's v5 vector from the stored JSON equals the one from the
/// file bit for bit (stroke slots included), and a digest stored before the stroke numbers existed
/// gives 0, the population mean, in the stroke slots.
/// </summary>
[Collection(CorpusCollection.Name)]
public sealed class FeatureV5StoredDocumentTests
{
    private const string Drawing = "freecad-common__freecad__Mod__Drawing__Templates__A0_Landscape_ISO7200.dxf";

    [Fact]
    public void A_drawing_read_back_from_its_stored_document_gives_the_same_v5_vector()
    {
        var document = new DxfReader().Read(File.ReadAllBytes(CorpusFiles.Of("dxf").Single(p => Path.GetFileName(p) == Drawing)), CancellationToken.None);
        document.Shape!.Strokes.Should().NotBeNull("a drawing's lines are strokes");

        var stored = CadDocumentJson.Deserialize(CadDocumentJson.Serialize(document));

        FeatureExtractor.Extract(stored, FeatureVersion.V5).Values.Should().Equal(FeatureExtractor.Extract(document, FeatureVersion.V5).Values);
    }

    [Fact]
    public void A_digest_stored_before_the_stroke_slots_gives_zero_there()
    {
        var document = new DxfReader().Read(File.ReadAllBytes(CorpusFiles.Of("dxf").Single(p => Path.GetFileName(p) == Drawing)), CancellationToken.None);
        var old = document with { Shape = document.Shape! with { Strokes = null } };

        var vector = FeatureExtractor.Extract(old, FeatureVersion.V5).Values;

        vector.Skip(FeatureSlots.V5StrokeStart).Should().OnlyContain(v => v == 0);
        vector.Take(FeatureSlots.V5StrokeStart).Should().Equal(FeatureExtractor.Extract(document, FeatureVersion.V5).Values.Take(FeatureSlots.V5StrokeStart));
    }
}
