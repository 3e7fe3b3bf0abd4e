namespace CadMl.Api.Fleet;

/// <summary>
/// Marks an operation that acts on (or reports) the process that runs it (degrade drill, manual
/// recover, opcode audit, FAISS health): it takes <c>?replica=&lt;id&gt;</c> or <c>?scope=all</c>, and
/// <see cref="ReplicaTargetMiddleware"/> runs it here, forwards it, or fans it out.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PerReplicaAttribute : Attribute
{
    /// <summary>
    /// Without <c>replica</c> or <c>scope</c> it answers for the receiving replica even in a fleet,
    /// instead of 400 REPLICA_REQUIRED: a read that monitoring probes call per replica, unparameterised.
    /// </summary>
    public bool AnswersHereWhenUntargeted { get; init; }

    /// <summary>
    /// <c>scope=all</c> runs it on one replica after another, not on all at once: an operation that
    /// takes a fleet lease (a rebuild) would otherwise find the lease held by its own fan-out.
    /// </summary>
    public bool RollsAcrossReplicas { get; init; }
}
