namespace CadMl.Api.Fleet;

/// <summary>
/// Marks an operation that acts on the process that runs it (degrade drill, manual recover, opcode
/// audit): it takes <c>?replica=&lt;id&gt;</c> or <c>?scope=all</c>, and <see cref="ReplicaTargetMiddleware"/>
/// runs it here, forwards it, or fans it out.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PerReplicaAttribute : Attribute;
