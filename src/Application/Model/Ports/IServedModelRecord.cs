namespace CadMl.Application.Model.Ports;

/// <summary>
/// The data folder's memory of which model an operator last made the serving one, so a restart
/// serves it again (after the same staged checks) instead of silently reverting to MODEL_FILE.
/// </summary>
public interface IServedModelRecord
{
    ServedModelEntry? Read();

    void Write(ServedModelEntry entry);
}

/// <param name="Path">Relative to MODEL_DIR, as the reload was asked for.</param>
public sealed record ServedModelEntry(string Path, string Sha256, string ModelVersion, DateTimeOffset ReloadedAt);
