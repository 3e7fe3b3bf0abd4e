using CadMl.Application.Model.Ports;
using CadMl.Application.Model.Serving;
using CadMl.Domain.Classification;
using CadMl.Domain.Features;
using NSubstitute;

namespace CadMl.Application.Tests.Model;

public sealed class ModelRegistryTests
{
    private static ServingModel Model(string version, IClassifierSession session) => new(
        new ModelIdentity(version, new string('a', 64), "v4", 24, ["x", "y"], $"{version}.onnx", 10, "cpu", DateTimeOffset.UnixEpoch),
        new ClassifierContract(FeatureVersion.V4, version, ["x", "y"], new AbstentionPolicy(3, 0.5)),
        session);

    [Fact]
    public void A_request_that_leased_the_old_model_finishes_on_it_and_only_then_is_the_old_session_disposed()
    {
        var registry = new ModelRegistry();
        var oldSession = Substitute.For<IClassifierSession>();
        registry.Swap(Model("old", oldSession));
        var inFlight = registry.Acquire()!;

        var previous = registry.Swap(Model("new", Substitute.For<IClassifierSession>()));

        previous!.ModelVersion.Should().Be("old");
        inFlight.Model.Identity.ModelVersion.Should().Be("old");
        oldSession.DidNotReceive().Dispose();
        using (var next = registry.Acquire()!)
        {
            next.Model.Identity.ModelVersion.Should().Be("new");
        }

        inFlight.Dispose();
        oldSession.Received(1).Dispose();
    }

    [Fact]
    public void A_replaced_model_nobody_holds_is_disposed_at_once_and_a_lease_returned_twice_counts_once()
    {
        var registry = new ModelRegistry();
        var session = Substitute.For<IClassifierSession>();
        registry.Swap(Model("one", session));
        var lease = registry.Acquire()!;
        lease.Dispose();
        lease.Dispose();

        registry.Swap(Model("two", Substitute.For<IClassifierSession>()));

        session.Received(1).Dispose();
    }

    [Fact]
    public void Without_a_model_there_is_nothing_to_lease() => new ModelRegistry().Acquire().Should().BeNull();
}
