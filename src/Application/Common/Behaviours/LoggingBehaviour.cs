using Mediator;
using Microsoft.Extensions.Logging;

namespace CadMl.Application.Common.Behaviours;

/// <summary>
/// One log line per use case with its outcome and duration, at Debug: at the default level a line
/// per request is a console write per request, which under load cost more than the analysis
/// itself (docs/PERFORMANCE.md); outcomes are counted by the metrics behaviour anyway. Exceptions
/// are always logged, at Error. Payloads are never logged: they hold customer drawings and secrets.
/// </summary>
public sealed partial class LoggingBehaviour<TMessage, TResponse>(ILogger<LoggingBehaviour<TMessage, TResponse>> logger, TimeProvider time)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
    where TResponse : Ardalis.Result.IResult
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            var response = await next(message, cancellationToken);
            if (logger.IsEnabled(LogLevel.Debug))
            {
                LogHandled(UseCaseName<TMessage>.Value, Outcome.Of(response.Status), time.GetElapsedTime(started).TotalMilliseconds);
            }

            return response;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(exception, UseCaseName<TMessage>.Value, time.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{UseCase} ended {Outcome} in {ElapsedMs:F1} ms")]
    private partial void LogHandled(string useCase, string outcome, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "{UseCase} failed with an exception after {ElapsedMs:F1} ms")]
    private partial void LogFailed(Exception exception, string useCase, double elapsedMs);
}
