using CadMl.Application.Common.Ports;
using Mediator;

namespace CadMl.Application.Common.Behaviours;

public sealed class MetricsBehaviour<TMessage, TResponse>(IUseCaseMetrics metrics, TimeProvider time)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
    where TResponse : Ardalis.Result.IResult
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var outcome = "exception";
        try
        {
            var response = await next(message, cancellationToken);
            outcome = Outcome.Of(response.Status);
            return response;
        }
        finally
        {
            metrics.Record(UseCaseName<TMessage>.Value, outcome, time.GetElapsedTime(started));
        }
    }
}
