using System.Collections.Concurrent;
using CadMl.Application.Common.Problems;
using Mediator;

namespace CadMl.Application.Common.Behaviours;

public sealed class ExclusiveBehaviour<TMessage, TResponse>(ExclusiveGates gates) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IExclusiveMessage exclusive)
        {
            return await next(message, cancellationToken);
        }

        var gate = gates.For(exclusive.ExclusiveGroup);
        if (!await gate.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            return ProblemResults<TResponse>.Create(Problem.Conflict(
                exclusive.BusyCode,
                "exclusive",
                "Another operation of this kind is running; try again when it has finished.",
                new Dictionary<string, object?> { ["operation"] = exclusive.ExclusiveGroup }));
        }

        try
        {
            return await next(message, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }
}

/// <summary>
/// One gate per group for the whole host (a DI singleton): exclusivity is about the shared
/// resource, which belongs to the host, not to a request scope. Not static, so test hosts in one
/// process do not refuse each other's reloads.
/// </summary>
public sealed class ExclusiveGates
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public SemaphoreSlim For(string group) => _gates.GetOrAdd(group, _ => new SemaphoreSlim(1, 1));
}
