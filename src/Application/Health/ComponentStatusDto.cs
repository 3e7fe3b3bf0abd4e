namespace CadMl.Application.Health;

public sealed record ComponentStatusDto(string Status, string Detail, IReadOnlyDictionary<string, object?>? Facts);
