using System.Globalization;

namespace CadMl.Infrastructure.Cad.Step;

/// <summary>
/// Length units → millimetres. A representation's coordinates are in the LENGTH_UNIT listed by
/// the GLOBAL_UNIT_ASSIGNED_CONTEXT of its context: an SI_UNIT with an optional prefix on METRE,
/// or a CONVERSION_BASED_UNIT whose factor (LENGTH_MEASURE_WITH_UNIT) is followed to an SI unit;
/// when the factor cannot be followed, the unit's name decides (INCH, FOOT, …).
/// </summary>
/// <remarks>
/// Geometry without a resolvable unit uses the file's unit: the first resolvable length unit of
/// any unit context in file order, or millimetres, reported as assumed, when the file has none.
/// </remarks>
internal sealed class StepUnits
{
    private const int MaxDepth = 8;

    private readonly StepFile _file;
    private readonly Dictionary<int, double?> _contextScales = [];
    private readonly HashSet<int> _resolving = [];
    private readonly int _globalUnits;
    private readonly int _lengthUnit;
    private readonly int _siUnit;
    private readonly int _conversionBasedUnit;
    private readonly int _measureWithUnit;
    private readonly int _lengthMeasureWithUnit;
    private readonly double? _fileScale;

    public StepUnits(StepFile file)
    {
        _file = file;
        _globalUnits = file.TypeCode("GLOBAL_UNIT_ASSIGNED_CONTEXT");
        _lengthUnit = file.TypeCode("LENGTH_UNIT");
        _siUnit = file.TypeCode("SI_UNIT");
        _conversionBasedUnit = file.TypeCode("CONVERSION_BASED_UNIT");
        _measureWithUnit = file.TypeCode("MEASURE_WITH_UNIT");
        _lengthMeasureWithUnit = file.TypeCode("LENGTH_MEASURE_WITH_UNIT");
        for (var record = 0; record < file.Count && _fileScale is null; record++)
        {
            if (file.HasType(record, _globalUnits))
            {
                _fileScale = ContextScale(record);
            }
        }
    }

    /// <summary>Millimetres per file length unit.</summary>
    public double FileScale => _fileScale ?? 1.0;

    /// <summary>Millimetres per unit of the representation context record, falling back to the file unit.</summary>
    public double ScaleOfContext(int? contextRecord) =>
        contextRecord is { } context ? ContextScale(context) ?? FileScale : FileScale;

    public string DescribeFileUnit() => _fileScale switch
    {
        null => "millimetre (assumed: no length unit in the file)",
        1.0 => "millimetre",
        10.0 => "centimetre",
        1000.0 => "metre",
        25.4 => "inch",
        304.8 => "foot",
        0.001 => "micrometre",
        { } scale => string.Create(CultureInfo.InvariantCulture, $"{scale} mm"),
    };

    private double? ContextScale(int context)
    {
        if (_contextScales.TryGetValue(context, out var cached))
        {
            return cached;
        }

        double? scale = null;
        var part = _file.FindPart(context, _globalUnits);
        if (part >= 0)
        {
            // Simple GLOBAL_UNIT_ASSIGNED_CONTEXT(context_identifier, context_type, units); complex part (units).
            var units = StepValues.Item(_file.PartParameters(context, part), _file.IsComplex(context) ? 0 : 2);
            if (StepValues.TryList(units, out var list))
            {
                var items = new StepItems(list);
                while (scale is null && items.MoveNext(out var item))
                {
                    if (StepValues.TryReference(item, out var unitId) && _file.HasType(_file.IndexOf(unitId), _lengthUnit))
                    {
                        scale = UnitScale(_file.IndexOf(unitId), 0);
                    }
                }
            }
        }

        _contextScales[context] = scale;
        return scale;
    }

    private double? UnitScale(int unit, int depth)
    {
        // A unit defined through itself has no factor; its name may still say what it is.
        if (depth > MaxDepth || !_resolving.Add(unit))
        {
            return null;
        }

        try
        {
            return ResolveUnitScale(unit, depth);
        }
        finally
        {
            _resolving.Remove(unit);
        }
    }

    private double? ResolveUnitScale(int unit, int depth)
    {
        var complex = _file.IsComplex(unit);
        var si = _file.FindPart(unit, _siUnit);
        if (si >= 0)
        {
            // SI_UNIT(prefix, name) as a part; simple instances lead with NAMED_UNIT's dimensions.
            var parameters = _file.PartParameters(unit, si);
            var offset = complex ? 0 : 1;
            if (!StepValues.TryEnumeration(StepValues.Item(parameters, offset + 1), out var name) || !name.SequenceEqual("METRE"u8))
            {
                return null;
            }

            var prefix = StepValues.Item(parameters, offset);
            return StepValues.TryEnumeration(prefix, out var prefixName)
                ? Checked(unit, SiPrefixMillimetres(prefixName))
                : 1000.0;
        }

        var conversion = _file.FindPart(unit, _conversionBasedUnit);
        if (conversion >= 0)
        {
            var parameters = _file.PartParameters(unit, conversion);
            var offset = complex ? 0 : 1;
            StepValues.TryString(StepValues.Item(parameters, offset), out var unitName);
            var factor = StepValues.TryReference(StepValues.Item(parameters, offset + 1), out var factorId)
                ? ConversionFactor(_file.IndexOf(factorId), depth)
                : null;
            return Checked(unit, factor ?? NamedUnitMillimetres(unitName));
        }

        return null;
    }

    private double? ConversionFactor(int measure, int depth)
    {
        // (value_component, unit_component) in both the simple and the complex form.
        var part = _file.FindPart(measure, _lengthMeasureWithUnit);
        if (part < 0 || _file.IsComplex(measure))
        {
            part = _file.FindPart(measure, _measureWithUnit);
        }

        if (part < 0)
        {
            return null;
        }

        var parameters = _file.PartParameters(measure, part);
        if (!StepValues.TryReal(StepValues.Item(parameters, 0), out var value)
            || !StepValues.TryReference(StepValues.Item(parameters, 1), out var unitId))
        {
            return null;
        }

        return UnitScale(_file.IndexOf(unitId), depth + 1) is { } unitScale ? value * unitScale : null;
    }

    private double? Checked(int unit, double? scale) => scale is { } s && !(s > 0 && double.IsFinite(s))
        ? throw _file.Error(unit, "A length unit has a zero, negative or non-finite size.")
        : scale;

    private static double? SiPrefixMillimetres(ReadOnlySpan<byte> prefix) => System.Text.Encoding.ASCII.GetString(prefix) switch
    {
        "EXA" => 1e21,
        "PETA" => 1e18,
        "TERA" => 1e15,
        "GIGA" => 1e12,
        "MEGA" => 1e9,
        "KILO" => 1e6,
        "HECTO" => 1e5,
        "DECA" => 1e4,
        "DECI" => 100,
        "CENTI" => 10,
        "MILLI" => 1,
        "MICRO" => 1e-3,
        "NANO" => 1e-6,
        "PICO" => 1e-9,
        "FEMTO" => 1e-12,
        "ATTO" => 1e-15,
        _ => null,
    };

    private static double? NamedUnitMillimetres(string name) => name.Trim().ToUpperInvariant() switch
    {
        "INCH" or "INCHES" or "IN" => 25.4,
        "FOOT" or "FEET" or "FT" => 304.8,
        "YARD" => 914.4,
        "MILE" => 1_609_344,
        "MIL" or "THOU" => 0.0254,
        "MICROINCH" => 2.54e-5,
        "MILLIMETRE" or "MILLIMETER" or "MM" => 1,
        "CENTIMETRE" or "CENTIMETER" or "CM" => 10,
        "METRE" or "METER" or "M" => 1000,
        _ => null,
    };
}
