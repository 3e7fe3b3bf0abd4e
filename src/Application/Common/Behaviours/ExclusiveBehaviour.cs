using System.Collections.Concurrent;
using CadMl.Application.Common.Problems;
using Mediator;

namespace CadMl.Application.Common.Behaviours;

public sealed class ExclusiveBehaviour<TMessage, TResponse> : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IExclusiveMessage exclusive)
        {
            return await next(message, cancellationToken);
        }

        var gate = ExclusiveGates.For(exclusive.ExclusiveGroup);
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

/// <summary>One gate per group for the whole process: exclusivity is about the shared resource, not the scope.</summary>
internal static class ExclusiveGates
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    public static SemaphoreSlim For(string group) => Gates.GetOrAdd(group, _ => new SemaphoreSlim(1, 1));
}
