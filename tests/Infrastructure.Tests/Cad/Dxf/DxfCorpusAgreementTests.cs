using System.Globalization;
using System.Text;
using CadMl.Application.Analysis.Ports;
using CadMl.Domain.Cad;
using CadMl.Infrastructure.Cad.Dxf;
using CadMl.Infrastructure.Tests.Corpus;
using Xunit.Abstractions;

namespace CadMl.Infrastructure.Tests.Cad.Dxf;

/// <summary>
/// Every real DXF of the corpus against python3-ezdxf, an independent implementation
/// (<c>.corpus/ezdxf_reference.json</c>, written by build/fetch-corpus). Counts must be identical
/// and extents within 0.1 % of the larger side on nearly all files; every file that disagrees
/// must be listed in <see cref="KnownDifferences"/> with the reason, and every listed file must
/// still disagree, so the list stays true.
/// </summary>
public sealed class DxfCorpusAgreementTests(ITestOutputHelper output)
{
    private const double CountTarget = 0.995;
    private const double ExtentsTarget = 0.99;
    private const int ReportedDisagreements = 25;

    /// <summary>
    /// File name → why this reader and ezdxf differ, and why the reader is right (or cannot do
    /// better). Empty: every file of the corpus (python3-ezdxf 0.18.1, librecad-data and
    /// freecad-common as of this writing) agrees. The one ezdxf defect found so far, sheared
    /// nested block references, does not occur in the corpus; a unit test pins the true extents.
    /// ezdxf's flattening puts its arc extents up to its sagitta (1e-6 of the drawing) inside
    /// the true ones, far within the tolerance.
    /// </summary>
    private static readonly Dictionary<string, string> KnownDifferences = new(StringComparer.Ordinal);

    [Fact]
    public void Model_space_counts_and_extents_agree_with_ezdxf_on_the_corpus()
    {
        var reference = EzdxfReference.Load(Path.Combine(CorpusFiles.Root, "ezdxf_reference.json"));
        var reader = new DxfReader();
        var files = CorpusFiles.Of("dxf");

        int compared = 0, countsAgree = 0, extentsAgree = 0, orderAgree = 0;
        int ezdxfFailed = 0, ezdxfFailedRead = 0, ezdxfFailedRejected = 0, missingReference = 0;
        var disagreements = new List<(string File, string Detail)>();
        var unexplained = new List<string>();
        var stillAgreeing = new List<string>();

        foreach (var path in files)
        {
            var name = Path.GetFileName(path);
            if (!reference.TryGetValue(name, out var expected))
            {
                missingReference++;
                continue;
            }

            var bytes = File.ReadAllBytes(path);
            if (!expected.GetProperty("ok").GetBoolean())
            {
                ezdxfFailed++;
                try
                {
                    reader.Read(bytes, CancellationToken.None);
                    ezdxfFailedRead++;
                }
                catch (CadReadException)
                {
                    ezdxfFailedRejected++;
                }

                continue;
            }

            compared++;
            CadDocument? document = null;
            string? failure = null;
            try
            {
                document = reader.Read(bytes, CancellationToken.None);
            }
            catch (CadReadException e)
            {
                failure = $"{e.Code}: {e.Message}";
            }

            var problems = new List<string>();
            if (document is null)
            {
                problems.Add($"reader rejected the file: {failure}");
            }
            else
            {
                var countDetail = EzdxfReference.CompareCounts(expected, document, out var sameOrder);
                if (countDetail is null)
                {
                    countsAgree++;
                }
                else
                {
                    problems.Add(countDetail);
                }

                if (sameOrder)
                {
                    orderAgree++;
                }

                var extentDetail = EzdxfReference.CompareExtents(expected, document.Bounds);
                if (extentDetail is null)
                {
                    extentsAgree++;
                }
                else
                {
                    problems.Add(extentDetail);
                }
            }

            var known = KnownDifferences.ContainsKey(name);
            if (problems.Count > 0)
            {
                disagreements.Add((name, string.Join("; ", problems)));
                if (!known)
                {
                    unexplained.Add(name);
                }
            }
            else if (known)
            {
                stillAgreeing.Add(name);
            }
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"DXF corpus vs ezdxf: {files.Count} files, {compared} opened by ezdxf and compared, {missingReference} without a reference entry");
        report.AppendLine(CultureInfo.InvariantCulture, $"  identical counts (entities, kinds, layers): {countsAgree}/{compared} = {Rate(countsAgree, compared)}");
        report.AppendLine(CultureInfo.InvariantCulture, $"  same first-seen kind order:                 {orderAgree}/{compared} = {Rate(orderAgree, compared)}");
        report.AppendLine(CultureInfo.InvariantCulture, $"  extents within 0.1 % of the larger side:    {extentsAgree}/{compared} = {Rate(extentsAgree, compared)}");
        report.AppendLine(CultureInfo.InvariantCulture, $"  files ezdxf cannot open: {ezdxfFailed} (this reader read {ezdxfFailedRead}, rejected {ezdxfFailedRejected} with CadReadException)");
        report.AppendLine(CultureInfo.InvariantCulture, $"  disagreements: {disagreements.Count} ({unexplained.Count} unexplained, {KnownDifferences.Count} known)");
        foreach (var (file, detail) in disagreements.Take(ReportedDisagreements))
        {
            var reason = KnownDifferences.TryGetValue(file, out var why) ? $"  [known: {why}]" : "  [UNEXPLAINED]";
            report.AppendLine(CultureInfo.InvariantCulture, $"  - {file}: {detail}{reason}");
        }

        foreach (var file in stillAgreeing)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"  - {file} is listed as a known difference but agrees now: remove it from the list");
        }

        var text = report.ToString();
        output.WriteLine(text);
        Console.WriteLine(text);

        compared.Should().BeGreaterThan(1000, "the corpus has over a thousand DXF files ezdxf opens");
        ((double)countsAgree / compared).Should().BeGreaterThanOrEqualTo(CountTarget);
        ((double)extentsAgree / compared).Should().BeGreaterThanOrEqualTo(ExtentsTarget);
        unexplained.Should().BeEmpty("every disagreement with ezdxf must be understood and listed with its reason");
        stillAgreeing.Should().BeEmpty("the known-differences list must only name files that still differ");
    }

    private static string Rate(int part, int whole) =>
        whole == 0 ? "n/a" : ((double)part / whole).ToString("P2", CultureInfo.InvariantCulture);
}
