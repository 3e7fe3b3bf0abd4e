using CadMl.Application.Common.Ports;
using CadMl.Application.Common.Problems;
using CadMl.Application.Vectors.Ports;
using Mediator;

namespace CadMl.Application.Common.Behaviours;

/// <summary>
/// A damaged or unavailable durable store is an answer (503 with the reason), not a bug: every
/// use case that touches the store gets the same problem, and the first corruption error marks
/// the store damaged so /ready and /health say so at once. The constraint keeps messages that
/// cannot answer with a problem out of it at compile time.
/// </summary>
public sealed class StoreFaultBehaviour<TMessage, TResponse>(IStoreFaults faults) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage, IAnswersWithProblem<TResponse>
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        Problem? problem;
        try
        {
            return await next(message, cancellationToken);
        }
        catch (StoreUnavailableException unavailable)
        {
            problem = unavailable.Problem;
        }
        catch (EarlierLayoutException earlier)
        {
            // A row an earlier release wrote: the store is fine, the row waits for the operator (409).
            problem = earlier.ToProblem();
        }
        catch (Exception exception) when (faults.Classify(exception) is { } damaged)
        {
            problem = damaged;
        }

        return TMessage.Refuse(problem);
    }
}
