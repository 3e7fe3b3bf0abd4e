using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Prometheus;

namespace CadMl.Api;

public static class DependencyInjection
{
    public static IServiceCollection AddApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>().Bind(configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidation>();
        services.AddSingleton(sp => new SecretComparer(sp.GetRequiredService<IOptions<SecurityOptions>>().Value));

        services.AddSingleton(sp => new Fleet.ReplicaForwarder(Fleet.ReplicaForwarder.CreateClient(), sp.GetRequiredService<ILogger<Fleet.ReplicaForwarder>>()));

        services.AddSingleton<AnalysisAdmission>();
        services.AddSingleton<AnalysisAdmissionFilter>();
        services.AddHostedService<UploadMemoryTrimmer>();

        services.AddControllers()
            .AddJsonOptions(json => JsonDefaults.Configure(json.JsonSerializerOptions));
        services.Configure<ApiBehaviorOptions>(api =>
        {
            api.InvalidModelStateResponseFactory = InvalidModelState;
            // MVC's own ProblemDetails for 404/415 lack code, stage and context; leaving those
            // answers bodiless lets the one status-code mapper write them in the house shape.
            api.SuppressMapClientErrors = true;
        });
        services.AddExceptionHandler<UnhandledExceptionHandler>();
        services.AddProblemDetails();
        services.AddOpenApi();
        return services;
    }

    /// <summary>Order is the contract: errors are caught first, auth sees the routed endpoint, metrics see every answer.</summary>
    public static WebApplication UseApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusCodeProblems.WriteAsync);
        app.UseRouting();
        app.UseHttpMetrics(options => options.SetMetricFactory(app.Services.GetRequiredService<IMetricFactory>()));
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<Fleet.ReplicaTargetMiddleware>();
        app.MapControllers();
        // Always the classic text format: reference names such as classification_prediction_distribution
        // are counters without the _total suffix OpenMetrics demands, and a Prometheus that
        // negotiates OpenMetrics would reject the whole scrape.
        app.MapMetrics(settings =>
        {
            settings.Registry = app.Services.GetRequiredService<CollectorRegistry>();
            settings.EnableOpenMetrics = false;
        }, "/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }

    /// <summary>Unreadable or mistyped bodies get the same 422 shape as validator failures.</summary>
    private static ObjectResult InvalidModelState(ActionContext context)
    {
        var errors = context.ModelState
            .Where(entry => entry.Value is { Errors.Count: > 0 })
            .SelectMany(entry => entry.Value!.Errors.Select(error => new FieldError(
                entry.Key.TrimStart('$', '.'),
                string.IsNullOrEmpty(error.ErrorMessage) ? "The value could not be read." : error.ErrorMessage)));
        var body = ProblemResponses.Body(ValidationProblem.From(errors), context.HttpContext);
        return new ObjectResult(body) { StatusCode = body.Status, ContentTypes = { ProblemResponses.ContentType } };
    }
}

/// <summary>
/// Bodiless error answers from the framework (routing's 404/405, the 415 of a <c>[Consumes]</c>
/// mismatch, 400/411/413/431 from the server) become problem+json like every other failure, each
/// with a code of its own; an unforeseen status still gets the shape, with a code naming it.
/// </summary>
internal static class StatusCodeProblems
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var problem = status switch
        {
            StatusCodes.Status404NotFound => new Problem(ErrorCodes.RouteNotFound, "routing", "No such route."),
            StatusCodes.Status405MethodNotAllowed => Framework(ErrorCodes.MethodNotAllowed, "routing",
                $"{http.Request.Method} is not allowed on this route.", status),
            StatusCodes.Status415UnsupportedMediaType => Framework(ErrorCodes.UnsupportedMediaType, "content_type",
                "This route does not accept the request's Content-Type.", status,
                new Dictionary<string, object?> { ["content_type"] = http.Request.ContentType }),
            StatusCodes.Status413PayloadTooLarge => new Problem(ErrorCodes.FileTooLarge, "input", "The request body is larger than this service accepts."),
            StatusCodes.Status400BadRequest => Framework(ErrorCodes.MalformedRequest, "input", "The request could not be read as sent.", status),
            >= 400 and < 600 => Framework(ErrorCodes.Framework(status), "http", ReasonPhrases.GetReasonPhrase(status), status),
            _ => null,
        };
        return problem is null ? Task.CompletedTask : ProblemResponses.WriteAsync(http, problem);
    }

    private static Problem Framework(ErrorCode code, string stage, string message, int status, Dictionary<string, object?>? context = null) =>
        new(code, stage, message, new Dictionary<string, object?>(context ?? []) { ["status"] = status });
}
