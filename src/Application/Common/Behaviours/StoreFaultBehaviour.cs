using CadMl.Application.Common.Ports;
using CadMl.Application.Common.Problems;
using Mediator;

namespace CadMl.Application.Common.Behaviours;

/// <summary>
/// A damaged or unavailable durable store is an answer (503 with the reason), not a bug: every
/// use case that touches the store gets the same problem, and the first corruption error marks
/// the store damaged so /ready and /health say so at once.
/// </summary>
public sealed class StoreFaultBehaviour<TMessage, TResponse>(IStoreFaults faults) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (!ProblemResults<TResponse>.CanCreate)
        {
            return await next(message, cancellationToken);
        }

        Problem? problem;
        try
        {
            return await next(message, cancellationToken);
        }
        catch (StoreUnavailableException unavailable)
        {
            problem = unavailable.Problem;
        }
        catch (Exception exception) when (faults.Classify(exception) is { } damaged)
        {
            problem = damaged;
        }

        return ProblemResults<TResponse>.Create(problem);
    }
}
