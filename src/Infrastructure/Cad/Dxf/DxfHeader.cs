namespace CadMl.Infrastructure.Cad.Dxf;

/// <summary>The HEADER variables this reader uses; every other variable is skipped unread.</summary>
internal sealed class DxfHeader
{
    private enum Variable
    {
        None,
        AcadVersion,
        CodePage,
        InsUnits,
        Measurement,
    }

    public string? AcadVersion { get; private set; }

    public string? CodePage { get; private set; }

    public long? InsUnits { get; private set; }

    /// <summary>$MEASUREMENT: 0 imperial, 1 metric; it picks the default arrow size of a style that names none.</summary>
    public long? Measurement { get; private set; }

    public bool IsMetric => Measurement == 1;

    public DxfSectionEnd ReadSection(ref DxfTagReader tags)
    {
        while (tags.Read())
        {
            if (tags.Code == 0 && DxfSection.IsBoundary(ref tags, out var boundary))
            {
                return boundary;
            }

            if (tags.Code == 9)
            {
                return ReadVariables(ref tags) ?? throw DxfSection.Truncated(ref tags);
            }
        }

        throw DxfSection.Truncated(ref tags);
    }

    /// <summary>
    /// Reads "9 $NAME" variables and their values, starting at a code 9 tag, up to the tag that ends
    /// the section; null when the data ends first.
    /// </summary>
    public DxfSectionEnd? ReadVariables(ref DxfTagReader tags)
    {
        var variable = Variable.None;
        while (true)
        {
            if (tags.Code == 9)
            {
                var name = tags.TrimmedValue;
                variable = name.SequenceEqual("$ACADVER"u8) ? Variable.AcadVersion
                    : name.SequenceEqual("$DWGCODEPAGE"u8) ? Variable.CodePage
                    : name.SequenceEqual("$INSUNITS"u8) ? Variable.InsUnits
                    : name.SequenceEqual("$MEASUREMENT"u8) ? Variable.Measurement
                    : Variable.None;
            }
            else if (tags.Code == 0)
            {
                if (DxfSection.IsBoundary(ref tags, out var end))
                {
                    return end;
                }

                variable = Variable.None;
            }
            else
            {
                switch (variable)
                {
                    case Variable.AcadVersion when tags.Code == 1:
                        AcadVersion = System.Text.Encoding.ASCII.GetString(tags.TrimmedValue);
                        break;
                    case Variable.CodePage when tags.Code == 3:
                        CodePage = System.Text.Encoding.ASCII.GetString(tags.TrimmedValue);
                        break;
                    case Variable.InsUnits when tags.Code == 70:
                        InsUnits = tags.GetInteger();
                        break;
                    case Variable.Measurement when tags.Code == 70:
                        Measurement = tags.GetInteger();
                        break;
                }
            }

            if (!tags.Read())
            {
                return null;
            }
        }
    }
}
