using System.Text.Json;
using CadMl.Application.Common;

namespace CadMl.Api.Http;

/// <summary>The wire format, defined once in <see cref="WireJson"/> (idempotent replays store answers in it).</summary>
public static class JsonDefaults
{
    public static JsonSerializerOptions Options => WireJson.Options;

    public static JsonSerializerOptions Configure(JsonSerializerOptions options) => WireJson.Configure(options);
}
