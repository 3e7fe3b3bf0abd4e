using System.Text.RegularExpressions;
using CadMl.Application.Common.Problems;
using CadMl.Tests.Shared;

namespace CadMl.Architecture.Tests;

/// <summary>
/// One catalogue of error codes (<see cref="ErrorCodes"/>): a <see cref="Problem"/> can only carry a
/// catalogued code (the type's constructor is private to it), the sources name codes through it
/// and never as strings, and docs/ERROR_CODES.md lists exactly the catalogue. The Api tests'
/// problem assertion also checks every code an answer carries against it.
/// </summary>
public sealed partial class ErrorCatalogueTests
{
    private static readonly HashSet<string> CatalogueFiles =
    [
        "src/Application/Common/Problems/ErrorCodes.cs",
        // The store's start-up and schema rules are Domain and cannot see the catalogue; the catalogue uses their constants.
        "src/Domain/Storage/StoreStartupRule.cs",
        "src/Domain/Storage/SchemaCompatibilityRule.cs",
    ];

    [Fact]
    public void Every_code_is_unique_upper_snake_and_answered_with_an_error_status()
    {
        ErrorCodes.All.Select(c => c.Name).Should().OnlyHaveUniqueItems();
        ErrorCodes.All.Should().AllSatisfy(code =>
        {
            UpperSnake().IsMatch(code.Name).Should().BeTrue(code.Name);
            code.HttpStatus.Should().BeInRange(400, 599, code.Name);
            code.Stage.Should().NotBeNullOrWhiteSpace(code.Name);
            code.Meaning.Should().NotBeNullOrWhiteSpace(code.Name);
        });
    }

    [Fact]
    public void Every_catalogued_code_is_documented_with_its_status_and_stage_and_nothing_else_is()
    {
        var rows = DocumentedRows();

        foreach (var code in ErrorCodes.All)
        {
            rows.Should().ContainKey(code.Name, "docs/ERROR_CODES.md must list every catalogued code");
            rows[code.Name].Should().Be((code.HttpStatus, code.Stage), code.Name);
        }

        rows.Keys.Except(ErrorCodes.All.Select(c => c.Name)).Should().BeEmpty("a documented code must exist in the catalogue");
    }

    [Fact]
    public void No_source_file_spells_a_catalogued_code_as_a_string()
    {
        var names = ErrorCodes.All.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var offenders = SourceScan.CSharpLines("src", CatalogueFiles)
            .SelectMany(line => StringLiteral().Matches(line.Text)
                .Where(literal => names.Contains(literal.Groups[1].Value))
                .Select(literal => $"{line.File}:{line.Number} \"{literal.Groups[1].Value}\""))
            .ToList();

        offenders.Should().BeEmpty("error codes are named through ErrorCodes, never as string literals");
    }

    [Fact]
    public void The_literal_scan_does_see_a_code_spelled_as_a_string()
    {
        StringLiteral().Matches("""return Fail("VECTOR_NOT_FOUND", "lookup");""").Select(m => m.Groups[1].Value)
            .Should().Contain(ErrorCodes.VectorNotFound.Name);
    }

    [Fact]
    public void Framework_codes_keep_their_status_and_are_the_documented_family()
    {
        var code = ErrorCodes.Framework(431);

        code.Name.Should().Be("HTTP_431");
        code.HttpStatus.Should().Be(431);
        File.ReadAllText(RepositoryPaths.Combine("docs", "ERROR_CODES.md")).Should().Contain($"`{ErrorCodes.FrameworkPrefix}<status>`");
        ErrorCodes.Find(code.Name).Should().BeNull("framework codes are a family, not catalogue entries");
    }

    private static Dictionary<string, (int Status, string Stage)> DocumentedRows()
    {
        var rows = new Dictionary<string, (int, string)>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(RepositoryPaths.Combine("docs", "ERROR_CODES.md")))
        {
            var row = DocumentedRow().Match(line);
            if (row.Success)
            {
                rows.Add(row.Groups["code"].Value, (int.Parse(row.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture), row.Groups["stage"].Value));
            }
        }

        return rows;
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnake();

    [GeneratedRegex("\"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^\| `(?<code>[A-Z0-9_]+)` \| (?<status>\d{3}) \| `(?<stage>[a-z_]+)` \|")]
    private static partial Regex DocumentedRow();
}
