using System.Globalization;
using CadMl.Application.Faiss.Ports;
using CadMl.Domain.Degradation;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CadMl.Infrastructure.VectorSearch.Recovery;

/// <summary>
/// The state as one Redis string (a SET replaces it atomically), for instances that share state
/// or have no durable disk. A value that cannot be trusted is renamed to
/// <c>&lt;key&gt;:corrupt-&lt;timestamp&gt;</c> and reported, like the file store does.
/// </summary>
internal sealed class RedisRecoveryStateStore : IRecoveryStateStore, IDisposable
{
    public const string Key = "cadml:faiss_recovery_state";

    private readonly Lazy<ConnectionMultiplexer> _connection;
    private readonly TimeProvider _time;

    public RedisRecoveryStateStore(IOptions<RecoveryStateOptions> options, TimeProvider time)
    {
        _time = time;
        var configuration = ToConfiguration(options.Value.RedisUrl);
        _connection = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(configuration));
    }

    public string Backend => "redis";

    /// <summary>Accepts <c>redis://[:password@]host:port[/db]</c> or StackExchange.Redis's own <c>host:port,options</c>.</summary>
    public static ConfigurationOptions ToConfiguration(string url)
    {
        ConfigurationOptions configuration;
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "redis" or "rediss")
        {
            configuration = new ConfigurationOptions { Ssl = uri.Scheme == "rediss" };
            configuration.EndPoints.Add(uri.Host, uri.Port > 0 ? uri.Port : 6379);
            if (uri.UserInfo.Split(':', 2) is [var user, var password])
            {
                configuration.User = user.Length > 0 ? Uri.UnescapeDataString(user) : null;
                configuration.Password = Uri.UnescapeDataString(password);
            }

            if (int.TryParse(uri.AbsolutePath.Trim('/'), NumberStyles.None, CultureInfo.InvariantCulture, out var db))
            {
                configuration.DefaultDatabase = db;
            }
        }
        else
        {
            configuration = ConfigurationOptions.Parse(url);
        }

        // Start even while Redis is down; calls fail (and are reported) until it is back.
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 5_000;
        return configuration;
    }

    public async Task<RecoveryStateLoad> LoadAsync(Func<DegradationState, IEnumerable<string>> problems, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(problems);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            throw new RecoveryStateUnavailableException("reading the state from Redis failed", exception);
        }
    }

    private async Task<RecoveryStateLoad> ReadAsync(Func<DegradationState, IEnumerable<string>> problems)
    {
        var database = _connection.Value.GetDatabase();
        var value = await database.StringGetAsync(Key);
        if (value.IsNull)
        {
            return RecoveryStateLoad.Empty;
        }

        var state = RecoveryStateJson.Parse((byte[])value!, problems, out var problem);
        if (state is not null)
        {
            return new RecoveryStateLoad(state, null);
        }

        var aside = $"{Key}:corrupt-{_time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        await database.KeyRenameAsync(Key, aside);
        return new RecoveryStateLoad(null, $"stored state refused ({problem}); moved to {aside}");
    }

    public async Task SaveAsync(DegradationState state, CancellationToken cancellationToken)
    {
        try
        {
            await _connection.Value.GetDatabase().StringSetAsync(Key, RecoveryStateJson.Serialize(state));
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            throw new RecoveryStateUnavailableException("writing the state to Redis failed", exception);
        }
    }

    public void Dispose()
    {
        if (_connection.IsValueCreated)
        {
            _connection.Value.Dispose();
        }
    }
}
