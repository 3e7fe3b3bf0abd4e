using CadMl.Domain.Cad;

namespace CadMl.Domain.Tests.Cad;

public sealed class UploadFileNameTests
{
    [Theory]
    [InlineData("part.dxf", "part.dxf")]
    [InlineData("C:\\Users\\me\\Desktop\\part.dxf", "part.dxf")]
    [InlineData("..\\..\\windows\\system32\\part.step", "part.step")]
    [InlineData("../../etc/part.stl", "part.stl")]
    [InlineData("/home/me/part.igs", "part.igs")]
    [InlineData("\\\\server\\share\\part.dxf", "part.dxf")]
    [InlineData("C:part.dxf", "part.dxf")]
    [InlineData("mixed/dir\\part.dxf", "part.dxf")]
    [InlineData("part\0.exe.dxf", "part.exe.dxf")]
    [InlineData("pa\u0001r\u001Ft\u007F.dxf", "part.dxf")]
    [InlineData("line\r\nbreak.dxf", "linebreak.dxf")]
    [InlineData("part\u202Efxd.exe", "partfxd.exe")]
    [InlineData("a\u2066b\u2067c\u2068d\u2069\u202A\u202B\u202C\u202D\u200E\u200F\u061C.dxf", "abcd.dxf")]
    [InlineData("  spaced name.dxf  ", "spaced name.dxf")]
    [InlineData("Überzug ø12 — 零件.step", "Überzug ø12 — 零件.step")]
    [InlineData("emoji \U0001F527.stl", "emoji \U0001F527.stl")]
    public void Only_the_last_segment_without_hiding_characters_is_kept(string raw, string expected) =>
        UploadFileName.Clean(raw).Should().Be(expected);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("C:\\")]
    [InlineData("..\\..")]
    [InlineData("dir/")]
    [InlineData("\0\u202E\u0007")]
    [InlineData("  ")]
    public void A_name_with_nothing_left_is_empty(string? raw) =>
        UploadFileName.Clean(raw).Should().BeEmpty();
}
