using System.Collections.Concurrent;
using CadMl.Application.Common.Problems;
using Mediator;

namespace CadMl.Application.Common.Behaviours;

/// <summary>
/// Runs only for <see cref="IExclusiveMessage"/>s: the constraint lets the Mediator source
/// generator leave every other message out of this behaviour at compile time, instead of each
/// call asking the message's type.
/// </summary>
public sealed class ExclusiveBehaviour<TMessage, TResponse>(ExclusiveGates gates) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage, IExclusiveMessage, IAnswersWithProblem<TResponse>
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var gate = gates.For(message.ExclusiveGroup);
        if (!await gate.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            return TMessage.Refuse(new Problem(
                message.BusyCode,
                "exclusive",
                "Another operation of this kind is running; try again when it has finished.",
                new Dictionary<string, object?> { ["operation"] = message.ExclusiveGroup }));
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
