using CadMl.Application.Model.Ports;
using CadMl.Infrastructure.Storage;

namespace CadMl.Infrastructure.Fleet;

/// <summary><c>desired_models</c>: one row per track; a write is one upsert that moves the track's version by one.</summary>
internal sealed class DesiredModelStore(IStoreDatabase database) : IDesiredModelStore
{
    public async Task<DesiredModel?> ReadAsync(string track, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = StoreCommands.Create(connection, null,
            "SELECT version, path, sha256, model_version, changed_ms, changed_by FROM desired_models WHERE track = @track;", ("track", track));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var entry = new ServedModelEntry(reader.GetString(1), reader.GetString(2), reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));
        return new DesiredModel(track, reader.GetInt64(0), entry, reader.GetString(5));
    }

    public Task<DesiredModel> WriteAsync(string track, ServedModelEntry entry, string changedBy, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return database.WriteAsync((connection, transaction) =>
        {
            using var command = StoreCommands.Create(connection, transaction, """
                INSERT INTO desired_models (track, version, path, sha256, model_version, changed_by, changed_ms)
                VALUES (@track, 1, @path, @sha256, @model_version, @changed_by, @changed_ms)
                ON CONFLICT (track) DO UPDATE SET version = desired_models.version + 1, path = excluded.path, sha256 = excluded.sha256,
                    model_version = excluded.model_version, changed_by = excluded.changed_by, changed_ms = excluded.changed_ms
                RETURNING version;
                """,
                ("track", track), ("path", entry.Path), ("sha256", entry.Sha256), ("model_version", entry.ModelVersion),
                ("changed_by", changedBy), ("changed_ms", entry.ReloadedAt.ToUnixTimeMilliseconds()));
            var version = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            return new DesiredModel(track, version, entry, changedBy);
        });
    }
}
