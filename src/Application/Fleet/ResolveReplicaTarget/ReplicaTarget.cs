namespace CadMl.Application.Fleet.ResolveReplicaTarget;

/// <summary>Where a per-replica admin operation runs.</summary>
public enum ReplicaTargetKind
{
    /// <summary>Here, in the process that received it.</summary>
    Here,

    /// <summary>On the one other replica in <see cref="ReplicaTarget.Replicas"/>, by forwarding.</summary>
    One,

    /// <summary>On every live replica in <see cref="ReplicaTarget.Replicas"/>, this one included.</summary>
    All,
}

/// <param name="Replicas">Empty for <see cref="ReplicaTargetKind.Here"/>; ordered by replica id for <see cref="ReplicaTargetKind.All"/>.</param>
public sealed record ReplicaTarget(ReplicaTargetKind Kind, IReadOnlyList<ReplicaEndpoint> Replicas)
{
    /// <summary>The one value <c>scope</c> takes.</summary>
    public const string AllScope = "all";

    public static ReplicaTarget Here { get; } = new(ReplicaTargetKind.Here, []);
}

/// <summary>
/// One replica to run on. <paramref name="Url"/> (<c>scheme://host:port</c>) is set when forwarding to
/// it is allowed; otherwise <paramref name="Unreachable"/> says why not. <paramref name="IsSelf"/>:
/// this process, which runs the operation without a network hop.
/// </summary>
public sealed record ReplicaEndpoint(string ReplicaId, string? Url, bool IsSelf, string? Unreachable);
