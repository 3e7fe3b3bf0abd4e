using CadMl.Domain.Classification;

namespace CadMl.Application.Model.Ports;

/// <summary>
/// Reads an ONNX model from bytes for inspection only (nothing is executed): the inventory the
/// opcode scan judges and the declared interface. Null with a reason when the bytes are not an
/// ONNX model.
/// </summary>
public interface IModelArtifactScanner
{
    ModelArtifact? Parse(ReadOnlyMemory<byte> bytes, out string? failure);
}

public sealed record ModelArtifact(
    long IrVersion,
    IReadOnlyDictionary<string, long> Opsets,
    string Producer,
    ModelInventory Inventory,
    ModelSignature Signature);
