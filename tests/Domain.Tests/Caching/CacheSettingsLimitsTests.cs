using CadMl.Domain.Caching;

namespace CadMl.Domain.Tests.Caching;

public sealed class CacheSettingsLimitsTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(CacheSettings.MaxCapacity, false)]
    [InlineData(CacheSettings.MaxCapacity + 1, true)]
    [InlineData(int.MaxValue, true)]
    public void Capacity_must_lie_between_one_and_the_documented_maximum(int capacity, bool refused)
    {
        CacheSettings.Problems(capacity, null).Any(p => p.Field == "capacity").Should().Be(refused);
    }
}
