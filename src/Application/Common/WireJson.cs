using System.Text.Json;
using System.Text.Json.Serialization;

namespace CadMl.Application.Common;

/// <summary>
/// The wire format: snake_case members, enums as snake_case strings, dictionary keys as given. The
/// Api answers with it, and an idempotent replay keeps its answer in it, so a replayed body is the
/// first body byte for byte.
/// </summary>
public static class WireJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.NumberHandling = JsonNumberHandling.Strict;
        if (!options.Converters.OfType<JsonStringEnumConverter>().Any())
        {
            options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        }

        return options;
    }
}
