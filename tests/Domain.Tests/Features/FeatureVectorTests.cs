using CadMl.Domain.Features;

namespace CadMl.Domain.Tests.Features;

public sealed class FeatureVectorTests
{
    [Fact]
    public void Upgrading_appends_zeros_for_the_new_slots()
    {
        FeatureVector.TryCreate(FeatureVersion.V1, [1, 2, 3, 4, 5, 6, 7], out var v1).Should().BeTrue();

        var v4 = v1!.ConvertTo(FeatureVersion.V4);

        v4.Version.Should().Be(FeatureVersion.V4);
        v4.Values.Should().Equal([1, 2, 3, 4, 5, 6, 7, .. new double[17]]);
    }

    [Fact]
    public void Downgrading_truncates()
    {
        var values = Enumerable.Range(1, 24).Select(i => (double)i).ToArray();
        FeatureVector.TryCreate(FeatureVersion.V4, values, out var v4).Should().BeTrue();

        v4!.ConvertTo(FeatureVersion.V2).Values.Should().Equal(values.Take(12));
    }

    [Theory]
    [InlineData(FeatureVersion.V1, 6)]
    [InlineData(FeatureVersion.V2, 24)]
    [InlineData(FeatureVersion.V4, 22)]
    public void A_vector_whose_length_does_not_match_its_version_is_refused(FeatureVersion version, int length)
    {
        FeatureVector.TryCreate(version, new double[length], out var vector).Should().BeFalse();
        vector.Should().BeNull();
    }

    [Fact]
    public void Slot_catalogue_has_the_canonical_order_and_dimensions()
    {
        FeatureSlots.All.Select(s => s.Index).Should().Equal(Enumerable.Range(0, 24));
        FeatureSlots.Of(FeatureVersion.V3).Should().HaveCount(22);
        FeatureSlots.All.Where(s => s.Group == SlotGroup.Semantic).Select(s => s.Index).Should().Equal(5, 6);
        FeatureVersions.ForDimension(12).Should().Be(FeatureVersion.V2);
        FeatureVersions.ForDimension(13).Should().BeNull();
    }

    [Theory]
    [InlineData("v4", true)]
    [InlineData(" V2 ", true)]
    [InlineData("v5", true)]
    [InlineData("v6", false)]
    [InlineData("4", false)]
    [InlineData(null, false)]
    public void Version_names_parse_strictly(string? text, bool parses)
    {
        FeatureVersions.TryParse(text, out _).Should().Be(parses);
    }
}
