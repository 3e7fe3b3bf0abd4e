using Ardalis.Result;
using CadMl.Api.Http;
using CadMl.Api.Security;
using CadMl.Application.Common.Behaviours;
using CadMl.Application.Common.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
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

        services.AddSingleton<AnalysisAdmission>();
        services.AddSingleton<AnalysisAdmissionFilter>();
        services.AddHostedService<UploadMemoryTrimmer>();

        services.AddControllers()
            .AddJsonOptions(json => JsonDefaults.Configure(json.JsonSerializerOptions));
        services.Configure<ApiBehaviorOptions>(api => api.InvalidModelStateResponseFactory = InvalidModelState);
        services.AddExceptionHandler<UnhandledExceptionHandler>();
        services.AddProblemDetails();
        services.AddOpenApi();
        return services;
    }

    /// <summary>Order is the contract: errors are caught first, auth sees the routed endpoint, metrics see every answer.</summary>
    public static WebApplication UseApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(RouteProblems.WriteAsync);
        app.UseRouting();
        app.UseHttpMetrics(options => options.SetMetricFactory(app.Services.GetRequiredService<IMetricFactory>()));
        app.UseMiddleware<ApiKeyMiddleware>();
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

/// <summary>Empty 404/405 answers from routing become problem+json like every other failure.</summary>
internal static class RouteProblems
{
    public static Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var problem = http.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => Problem.NotFound("ROUTE_NOT_FOUND", "routing", "No such route."),
            StatusCodes.Status405MethodNotAllowed => new Problem(ResultStatus.Invalid, "METHOD_NOT_ALLOWED", "routing",
                $"{http.Request.Method} is not allowed on this route.", new Dictionary<string, object?>()),
            _ => null,
        };
        return problem is null ? Task.CompletedTask : ProblemResponses.WriteAsync(http, problem);
    }
}
