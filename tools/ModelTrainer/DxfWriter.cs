using System.Globalization;
using System.Text;

namespace CadMl.ModelTrainer;

/// <summary>
/// Writes a plain ASCII DXF (ENTITIES section only, the minimal file every DXF reader accepts) of
/// LINE, CIRCLE, ARC, POINT, TEXT and 3DFACE entities. Every point passes through the sample's
/// placement (rotation about Z and an offset), so parts come in random orientations.
/// </summary>
internal sealed class DxfWriter(double rotationDegrees, double offsetX, double offsetY)
{
    private readonly StringBuilder _text = new("0\nSECTION\n2\nENTITIES\n");
    private readonly double _cos = Math.Cos(rotationDegrees * Math.PI / 180);
    private readonly double _sin = Math.Sin(rotationDegrees * Math.PI / 180);

    public void Line(string layer, double x1, double y1, double x2, double y2, double z1 = 0, double z2 = 0)
    {
        Start("LINE", layer);
        Point(10, x1, y1, z1);
        Point(11, x2, y2, z2);
    }

    public void Circle(string layer, double x, double y, double radius)
    {
        Start("CIRCLE", layer);
        Point(10, x, y, 0);
        Code(40, radius);
    }

    public void Arc(string layer, double x, double y, double radius, double startDegrees, double endDegrees)
    {
        Start("ARC", layer);
        Point(10, x, y, 0);
        Code(40, radius);
        Code(50, startDegrees + (Math.Atan2(_sin, _cos) * 180 / Math.PI));
        Code(51, endDegrees + (Math.Atan2(_sin, _cos) * 180 / Math.PI));
    }

    public void Dot(string layer, double x, double y)
    {
        Start("POINT", layer);
        Point(10, x, y, 0);
    }

    public void Text(string layer, double x, double y, double height, string value)
    {
        Start("TEXT", layer);
        Point(10, x, y, 0);
        Code(40, height);
        _text.Append("1\n").Append(value).Append('\n');
    }

    public void Face(string layer, params (double X, double Y, double Z)[] corners)
    {
        Start("3DFACE", layer);
        for (var i = 0; i < 4; i++)
        {
            var (x, y, z) = corners[Math.Min(i, corners.Length - 1)];
            Point(10 + i, x, y, z);
        }
    }

    public byte[] ToBytes() => Encoding.ASCII.GetBytes(_text + "0\nENDSEC\n0\nEOF\n");

    private void Start(string kind, string layer) => _text.Append("0\n").Append(kind).Append("\n8\n").Append(layer).Append('\n');

    private void Point(int code, double x, double y, double z)
    {
        Code(code, offsetX + (x * _cos) - (y * _sin));
        Code(code + 10, offsetY + (x * _sin) + (y * _cos));
        Code(code + 20, z);
    }

    private void Code(int code, double value) =>
        _text.Append(code.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
}
